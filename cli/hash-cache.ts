/**
 * Remembers each file's SHA-256 by (device, inode, size, mtime), so pushing identical bytes
 * again costs no re-hashing: the registry sees the same digests and asks for no upload. A
 * pulled file is remembered too, so pulling it again finds it up to date at once.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cacheDir } from './config.js';

export interface Digest {
  sha256: string;
  size: number;
}

type Entries = Record<string, Digest>;

/** At most this many files are remembered; the oldest entries go first. */
const MAX_ENTRIES = 50_000;

export class HashCache {
  private entries: Entries | undefined;
  private changed = false;

  constructor(private readonly file = join(cacheDir(), 'hashes.json')) {}

  private async load(): Promise<Entries> {
    if (!this.entries) {
      try {
        this.entries = JSON.parse(await readFile(this.file, 'utf8')) as Entries;
      } catch {
        this.entries = {};
      }
    }
    return this.entries;
  }

  private static async identity(path: string): Promise<string> {
    const s = await stat(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
  }

  async digest(path: string, compute: (path: string) => Promise<Digest>): Promise<Digest> {
    const entries = await this.load();
    const id = await HashCache.identity(path);
    const cached = entries[id];
    if (cached) return cached;
    const fresh = await compute(path);
    // Only trust the result if the file did not change while it was hashed.
    if ((await HashCache.identity(path)) === id) {
      entries[id] = fresh;
      this.changed = true;
    }
    return fresh;
  }

  /** Records a digest the caller just verified (a pulled file, as it was moved into place). */
  async remember(path: string, digest: Digest): Promise<void> {
    const entries = await this.load();
    entries[await HashCache.identity(path)] = digest;
    this.changed = true;
  }

  async save(): Promise<void> {
    if (!this.entries || !this.changed) return;
    const keys = Object.keys(this.entries);
    for (const key of keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES))) delete this.entries[key];
    await mkdir(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(this.entries));
    await rename(temp, this.file);
    this.changed = false;
  }
}
