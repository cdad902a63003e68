/**
 * Where a run or a logged model lives. Its own partition holds a pointer row (`META`) naming
 * its experiment, whose partition holds the row itself. The pointer is written once, before the
 * row (conditional on absence), and is never changed or deleted, so a process may keep every
 * pointer it has read or written: a warm function then reads a run in one request, not two.
 */
import type { MetadataStore } from '../../ports/metadata-store.js';

/** The experiment each run or logged model lives in, as far as this process has seen. */
export class HomeExperiments {
  private readonly known = new Map<string, string>();

  /** Bounded: a long-lived server sees ids without end. The oldest entry leaves first. */
  constructor(private readonly capacity = 10_000) {}

  /** The experiment that the pointer in partition `pk` names; undefined when there is none (yet). */
  async of(store: MetadataStore, pk: string): Promise<string | undefined> {
    const known = this.known.get(pk);
    if (known !== undefined) return known;
    const pointer = await store.get<{ experimentId: string }>(pk, 'META');
    if (pointer) this.remember(pk, pointer.data.experimentId);
    return pointer?.data.experimentId;
  }

  /** Writes the pointer (it must not exist yet) and keeps it. */
  async point(store: MetadataStore, pk: string, experimentId: string): Promise<void> {
    await store.batch(pk, [{ op: 'put', sk: 'META', data: { experimentId }, if: { absent: true } }]);
    this.remember(pk, experimentId);
  }

  private remember(pk: string, experimentId: string): void {
    this.known.set(pk, experimentId);
    if (this.known.size <= this.capacity) return;
    const oldest = this.known.keys().next();
    if (!oldest.done) this.known.delete(oldest.value);
  }
}
