/**
 * Push and pull against s3rver + DynamoDB Local with the CLI's code, next to Debian's
 * `aws s3 cp` of the same file to and from the same s3rver (goal: at least its speed), and
 * identical bytes pushed again (goal: under 2 s). The API runs as the core app on a local port:
 * bytes never pass through it, so the Lambda translation does not enter the transfer figures.
 * Prints one JSON object. Usage: tsx bench/aws-push-pull.ts [--mib 256]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { RegistryClient } from '../cli/registry-client.js';
import { createApp } from '../shared/http/app.js';
import { ALL_SCOPES } from '../shared/ports/auth.js';
import { startAwsTestBed } from '../test/support/aws/aws-registry.js';
import { measurePushPull, writeRandomFile } from './push-pull-figures.js';

const run = promisify(execFile);
const { values } = parseArgs({ options: { mib: { type: 'string' } } });
const MIB = Number(values.mib ?? 256);
const dir = await mkdtemp(join(tmpdir(), 'mreg-bench-aws-pp-'));
const file = join(dir, 'model.bin');
await writeRandomFile(file, MIB);
const bed = await startAwsTestBed('mreg-bench');
const app = createApp({
  registry: bed.aws.registry,
  authenticate: async () => ({ subject: 'bench', scopes: ALL_SCOPES }),
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((r) => server.once('listening', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const awsCli = async (...args: string[]) => {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_DEFAULT_REGION: 'us-east-1',
  };
  const t = performance.now();
  await run('/usr/bin/aws', ['--endpoint-url', bed.s3.endpoint, 's3', 'cp', ...args], { env, maxBuffer: 1 << 24 });
  return Number(((performance.now() - t) / 1000).toFixed(3));
};
try {
  const cpUp = await awsCli(file, `s3://${bed.s3.bucket}/bench/cp.bin`);
  const cpDown = await awsCli(`s3://${bed.s3.bucket}/bench/cp.bin`, join(dir, 'cp.out'));
  const figures = await measurePushPull({
    benchmark: 'aws-push-pull',
    about: { server: 's3rver 3.7.1 + DynamoDB Local' },
    client: new RegistryClient({ baseUrl: url }),
    objects: bed.aws.objects,
    dir,
    file,
    mib: MIB,
  });
  const push = figures.push as { seconds: number };
  const pull = figures.pull as { seconds: number };
  console.log(
    JSON.stringify({
      ...figures,
      awsS3Cp: {
        upSeconds: cpUp,
        downSeconds: cpDown,
        pushVsCp: Number((cpUp / push.seconds).toFixed(3)),
        pullVsCp: Number((cpDown / pull.seconds).toFixed(3)),
        goal: 'push and pull at least as fast as aws s3 cp (ratio >= 1)',
      },
    }),
  );
} finally {
  server.close();
  await bed.stop();
  await rm(dir, { recursive: true, force: true });
}
