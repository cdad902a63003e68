/**
 * Azurite with `--location`, made as durable as the service it stands in for: a write is
 * acknowledged only once it is on disk. Crash tests SIGKILL this process.
 *
 * Azurite keeps its metadata (containers, blobs, blocks, extents, tables, entities) in LokiJS
 * databases held in memory and saved every 5 s, so a plain SIGKILL loses up to 5 s of writes
 * Azurite already answered 2xx (checked: a table and 20 entities written 200 ms before the kill
 * were all gone after the restart). Azure Storage never loses an acknowledged write, and a
 * registry cannot be held to its invariants over a store that does. So this launcher saves
 * every persisted LokiJS database before the answer to any request that may write (any method
 * but GET, HEAD, OPTIONS) leaves the process. LokiJS coalesces concurrent saves and saves again
 * after one in flight, so the save awaited holds the write. Bytes (extents) are files Azurite
 * has written before it answers. A database is never saved before its file is read (below).
 * Nothing else of Azurite changes; arguments pass through.
 */
import { existsSync } from 'node:fs';
import { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const azuriteRoot = dirname(require.resolve('azurite/package.json'));
// The very lokijs module Azurite's stores load.
const Loki = createRequire(`${azuriteRoot}/`)('lokijs');

/** The databases Azurite persists (those with autosave): the in-memory ones never call this. */
const persisted = new Set();
/**
 * Persisted databases whose file is not read yet. Azurite builds every service's database
 * first, then starts the services one by one, and each loads its file as it starts: the Table
 * service's after the Blob service already answers. A save of the Table database in between
 * (for a blob write) would write it empty over its file, and the load would then lose every
 * table. Such a database has nothing to save yet: no request reaches it before its service starts.
 */
const unread = new Set();
const autosaveEnable = Loki.prototype.autosaveEnable;
Loki.prototype.autosaveEnable = function (...args) {
  if (!persisted.has(this) && existsSync(resolve(this.filename))) unread.add(this);
  persisted.add(this);
  return autosaveEnable.apply(this, args);
};
const loadDatabase = Loki.prototype.loadDatabase;
Loki.prototype.loadDatabase = function (options, callback) {
  return loadDatabase.call(this, options, (error, ...rest) => {
    if (!error) unread.delete(this);
    return callback?.(error, ...rest);
  });
};

const saveAll = () =>
  Promise.all(
    [...persisted]
      .filter((db) => !unread.has(db))
      .map((db) => new Promise((resolve, reject) => db.saveDatabase((error) => (error ? reject(error) : resolve())))),
  );

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
// The first write or end of an answer to a request that may write waits for a save that starts
// after the handler changed the databases; later calls keep their order behind it.
for (const name of ['write', 'end']) {
  const original = ServerResponse.prototype[name];
  ServerResponse.prototype[name] = function (...args) {
    if (READS.has(this.req?.method ?? 'GET')) return original.apply(this, args);
    this.durable ??= saveAll();
    this.durable.then(
      () => original.apply(this, args),
      (error) => this.destroy(error),
    );
    return true;
  };
}

require(`${azuriteRoot}/dist/src/azurite.js`);
