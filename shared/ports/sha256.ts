/**
 * SHA-256 for verification. A resumable implementation saves its state, so a verifier with a
 * time limit can continue a 100 GB file in its next invocation; a native one is faster and
 * smaller but cannot (the request path uses it: it only hashes files small enough to finish).
 */
export interface Sha256Hasher {
  update(bytes: Uint8Array): void;
  hex(): string;
  /** The state to resume from; only when the factory is resumable. */
  save(): Uint8Array;
}

export interface Sha256Factory {
  readonly resumable: boolean;
  /** A fresh hasher, or one continuing from `saved` (resumable factories only). */
  create(saved?: Uint8Array): Promise<Sha256Hasher>;
}
