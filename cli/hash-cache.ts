/**
 * Remembers each file's SHA-256 by (device, inode, size, mtime), so pushing identical bytes
 * again costs no re-hashing: the registry sees the same digests and asks for no upload.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

type Entries = Record<string, { sha256: string; size: number }>;

export class HashCache {
  private entries: Entries | undefined;

  constructor(
    private readonly file = join(process.env.MREG_CACHE_DIR ?? join(homedir(), '.cache', 'mreg'), 'hashes.json'),
  ) {}

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

  async digest(path: string, compute: (path: string) => Promise<{ sha256: string; size: number }>) {
    const entries = await this.load();
    const id = await HashCache.identity(path);
    const cached = entries[id];
    if (cached) return cached;
    const fresh = await compute(path);
    // Only trust the result if the file did not change while it was hashed.
    if ((await HashCache.identity(path)) === id) entries[id] = fresh;
    return fresh;
  }

  async save(): Promise<void> {
    if (!this.entries) return;
    await mkdir(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(this.entries));
    await rename(temp, this.file);
  }
}
