// P9's yardstick: a bare node:http server answering every request with one fixed JSON body and
// headers (argv[2]: a JSON file {"body": "...", "headers": {...}}). Prints its URL on stdout.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const { body, headers } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const bytes = Buffer.from(body);
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { ...headers, 'content-length': bytes.length });
  res.end(bytes);
});
server.listen(0, '127.0.0.1', () => console.log(`bare server on http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
