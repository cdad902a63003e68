/**
 * The local registry as `functions/local/main.ts` starts it, with the timeouts a crash leaves
 * behind shortened (`CRASH_SETTINGS`). Usage: crash-server-main.ts <port> <data-dir>
 */
import { startLocalServer } from '../../../functions/local/server.js';
import { CRASH_SETTINGS } from './local-crash.js';

const [port, dataDir] = process.argv.slice(2);
if (port === undefined || dataDir === undefined) throw new Error('usage: crash-server-main.ts <port> <data-dir>');
await startLocalServer({
  port: Number(port),
  host: '127.0.0.1',
  dataDir,
  settings: CRASH_SETTINGS,
});
