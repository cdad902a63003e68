/** The local side of a push: which files a PATH argument names, their path in the version, their SHA-256. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { CliError, UsageError } from './errors.js';

export interface LocalFile {
  /** Absolute path on disk. */
  file: string;
  /** Its path in the version (POSIX). */
  path: string;
  size: number;
}

/** Left out of a directory push: VCS metadata and this tool's own partial downloads. */
const SKIPPED_DIRS = new Set(['.git', '.hg', '.svn']);
export const PARTIAL_SUFFIX = '.mreg-partial';

/**
 * A file argument is pushed under its own name; a directory argument, as its contents (paths
 * relative to it), as `hf upload` does. Two sources of one path are a usage error.
 */
export async function collectFiles(paths: string[]): Promise<LocalFile[]> {
  const found = new Map<string, LocalFile>();
  const add = (file: string, path: string, size: number, argument: string) => {
    const other = found.get(path);
    if (other)
      throw new UsageError(`two files would be "${path}" in the version: ${other.file} and ${file}`, [
        `push them from one directory, or push ${argument} on its own`,
      ]);
    found.set(path, { file, path, size });
  };
  for (const argument of paths) {
    const full = resolve(argument);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(full);
    } catch {
      throw new CliError(`no such file or directory: ${argument}`);
    }
    if (info.isFile()) {
      add(full, basename(full), info.size, argument);
      continue;
    }
    if (!info.isDirectory()) throw new CliError(`not a file or directory: ${argument}`);
    const before = found.size;
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true });
      entries.sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const entry of entries) {
        const child = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!SKIPPED_DIRS.has(entry.name)) await walk(child);
          continue;
        }
        if (entry.name.endsWith(PARTIAL_SUFFIX)) continue;
        // A symlink counts when it points at a file (a linked directory is not followed: no cycles).
        const target = entry.isFile()
          ? await stat(child)
          : entry.isSymbolicLink()
            ? await stat(child).catch(() => undefined)
            : undefined;
        if (target?.isFile()) add(child, relative(full, child).split(sep).join('/'), target.size, argument);
      }
    };
    await walk(full);
    if (found.size === before) throw new CliError(`no files under ${argument}`);
  }
  return [...found.values()];
}

/** The SHA-256 and size of a file, read in 4 MiB chunks; `onBytes` hears each chunk. */
export async function sha256OfFile(
  file: string,
  onBytes?: (bytes: number) => void,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
    onBytes?.((chunk as Buffer).length);
  }
  return { sha256: hash.digest('hex'), size };
}
