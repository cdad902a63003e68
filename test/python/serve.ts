/**
 * For working on the Python client: starts the registries its tests need and prints the
 * environment to run them by hand. Usage: npx tsx test/python/serve.ts, then in clients/python
 * `env $(...) /usr/bin/python3 -m unittest -v` with the printed variables. Ctrl-C stops them.
 */
import { startPythonTestRegistries } from './registries.js';

const registries = await startPythonTestRegistries();
for (const [key, value] of Object.entries(registries.env)) console.log(`export ${key}=${value}`);
const stop = () => void registries.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
