/**
 * The local half of resuming a push: one small JSON file per push in progress, named by the
 * registry, the model and the exact request, holding the idempotency key (so running the same
 * push again replays the same version instead of making another) and the ETag of every part
 * the store acknowledged. The registry's list of held parts is the other half; the registry's
 * own SHA-256 check at commit is what makes a resumed upload safe.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stableJson } from '../shared/domain/stable-json.js';
import { cacheDir } from './config.js';

export interface PushState {
  url: string;
  model: string;
  idempotencyKey: string;
  startedAt: string;
  /** The command that resumes this push, for `mreg status`. */
  command?: string;
  version?: number;
  /** Per multipart file: its upload and the ETags the store answered, by part number. */
  parts: Record<string, { uploadId: string; partSize: number; etags: Record<string, string> }>;
}

export class PushStateStore {
  constructor(readonly dir = join(cacheDir(), 'pushes')) {}

  keyOf(url: string, model: string, request: unknown): string {
    return createHash('sha256').update(stableJson({ url, model, request })).digest('hex').slice(0, 32);
  }

  private fileOf(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  async load(key: string): Promise<PushState | undefined> {
    try {
      const state = JSON.parse(await readFile(this.fileOf(key), 'utf8')) as PushState;
      return typeof state.idempotencyKey === 'string' ? { ...state, parts: state.parts ?? {} } : undefined;
    } catch {
      return undefined;
    }
  }

  async save(key: string, state: PushState): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const temp = `${this.fileOf(key)}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    await writeFile(temp, JSON.stringify(state), { mode: 0o600 });
    await rename(temp, this.fileOf(key));
  }

  async remove(key: string): Promise<void> {
    await rm(this.fileOf(key), { force: true });
  }

  /** Pushes that were interrupted (for `mreg status`). */
  async list(): Promise<PushState[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const states = await Promise.all(
      names.filter((n) => n.endsWith('.json')).map((n) => this.load(n.slice(0, -'.json'.length))),
    );
    return states.filter((s): s is PushState => s !== undefined);
  }
}
