/** Object-created notifications (S3, Event Grid), as the core takes them. Implementation follows. */
export interface ObjectCreatedEvent {
  /** The object key, already URL-decoded (`+` is a space in S3 notifications). */
  key: string;
  size: number;
  /** The object's etag, without quotes. */
  etag: string;
  versionId?: string;
  /** Orders writes to the same key (S3 `sequencer`, Event Grid `data.sequencer`). */
  sequencer?: string;
  /** Who wrote the object (S3 `userIdentity.principalId`, Event Grid identity): a drop-in's `createdBy`. */
  creator?: string;
}

export type ObjectCreatedOutcome =
  | { kind: 'ignored'; reason: string }
  | { kind: 'staged'; model: string; version: number; state: string }
  | { kind: 'registered'; model: string; version: number; state: string }
  | { kind: 'rejected'; reason: string };
