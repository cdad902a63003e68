/**
 * What each server behind the ObjectStore contract lacks of the real service, and why. A
 * contract test that needs a feature a server lacks is skipped with that reason in the output
 * (never passed by returning early), and the reliability report counts these skips.
 */
export type ObjectStoreFeature = 'signatures' | 'fullObjectSha256';

/** The contract tests that need each feature (their names, as vitest prints them). */
export const TESTS_NEEDING: Record<ObjectStoreFeature, readonly string[]> = {
  signatures: ['rejects a tampered signature, and a URL signed for another key', 'rejects an expired URL'],
  fullObjectSha256: ['head reports the SHA-256 of bytes uploaded with their checksum'],
};

export type ObjectStoreGaps = Partial<Record<ObjectStoreFeature, string>>;

/** Per contract suite (as named in test/contract/*.test.ts): the features its server lacks. */
export const OBJECT_STORE_GAPS: Record<string, ObjectStoreGaps> = {
  s3rver: {
    signatures: 's3rver verifies no signature (S3 does; the local store and Azurite check theirs)',
    fullObjectSha256: 's3rver returns no checksum (the "S3 checksum shim over s3rver" suite covers it)',
  },
  'S3 checksum shim over s3rver': {
    signatures: 's3rver verifies no signature, and the shim adds checksums only',
  },
  'Azure Blob (Azurite)': {
    fullObjectSha256: 'Blob storage reports no SHA-256 of an object (only Content-MD5): the registry hashes',
  },
  'local filesystem': {},
};

/** Every skip the contract suites make, with its reason. */
export function contractSkips(): Array<{ suite: string; test: string; reason: string }> {
  return Object.entries(OBJECT_STORE_GAPS).flatMap(([suite, gaps]) =>
    Object.entries(gaps).flatMap(([feature, reason]) =>
      TESTS_NEEDING[feature as ObjectStoreFeature].map((test) => ({ suite, test, reason: reason ?? '' })),
    ),
  );
}
