/**
 * What each server behind the ObjectStore contract does of the real service, so every contract
 * test asserts what is true of that server and none is skipped. A test a server cannot answer
 * at all (s3rver checks no SigV4 signature) is not declared on its suite; another suite that runs it
 * is named instead, and the reliability report counts those tests as covered elsewhere.
 */

/** The contract tests of presigned-URL signatures (their names, as vitest prints them). */
export const SIGNATURE_TESTS = [
  'rejects a tampered signature, and a URL signed for another key',
  'rejects an expired URL',
] as const;

export interface ObjectStoreTraits {
  /**
   * Whether the server vouches for a full-object SHA-256 (S3's ChecksumSHA256, the local store's
   * own hash): then HEAD must report it; otherwise HEAD must report none, and the registry hashes.
   */
  vouchesSha256: boolean;
  /** Where the server checks no URL signature: the suite that runs the signature tests instead, and why. */
  signaturesCoveredBy?: { suite: string; reason: string };
}

/** Per contract suite (as named in test/contract/*.test.ts). */
export const OBJECT_STORE_TRAITS: Record<string, ObjectStoreTraits> = {
  s3rver: {
    vouchesSha256: false,
    signaturesCoveredBy: {
      suite: 'S3 checksum shim over s3rver',
      reason: 's3rver 3.7.1 checks no SigV4 signature (only expiry); the shim in front of it checks both as S3 does',
    },
  },
  'S3 checksum shim over s3rver': { vouchesSha256: true },
  'Azure Blob (Azurite)': { vouchesSha256: false },
  'local filesystem': { vouchesSha256: true },
};

export interface CoveredElsewhere {
  suite: string;
  test: string;
  coveredBy: string;
  reason: string;
  /** The covering suite is listed and runs the test itself (it is not covered elsewhere in turn). */
  covered: boolean;
}

/** Every contract test a suite leaves to another, and whether that other suite really runs it. */
export function contractCoveredElsewhere(traits = OBJECT_STORE_TRAITS): CoveredElsewhere[] {
  return Object.entries(traits).flatMap(([suite, t]) => {
    const by = t.signaturesCoveredBy;
    if (!by) return [];
    const covering = traits[by.suite];
    const covered = covering !== undefined && covering.signaturesCoveredBy === undefined;
    return SIGNATURE_TESTS.map((test) => ({ suite, test, coveredBy: by.suite, reason: by.reason, covered }));
  });
}
