/**
 * The OpenAPI document the local server serves at /v1/openapi.json passes `redocly lint` with
 * the recommended rules: no error and no warning. The real CLI (a devDependency, one bundled
 * package) runs offline with telemetry off.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from '../support/local-registry.js';

const CLI = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: Array<{ ruleId: string; severity: string; message: string }>;
}

let reg: TestRegistry;
beforeAll(async () => {
  reg = await startTestRegistry();
});
afterAll(async () => reg.stop());

async function lint(document: unknown, name: string): Promise<LintReport> {
  const file = join(reg.dir, name);
  await writeFile(file, JSON.stringify(document, null, 2));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, 'lint', '--extends=recommended', '--format=json', file],
      {
        cwd: reg.dir,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        maxBuffer: 16 << 20,
      },
      (error, stdout, stderr) => {
        try {
          resolve(JSON.parse(stdout) as LintReport);
        } catch {
          reject(new Error(`redocly lint printed no report (${String(error)}): ${stderr}`));
        }
      },
    );
  });
}

const served = async (): Promise<{ paths: Record<string, unknown>; info: Record<string, unknown> }> => {
  const res = await fetch(`${reg.url}/v1/openapi.json`);
  expect(res.status).toBe(200);
  return res.json() as Promise<{ paths: Record<string, unknown>; info: Record<string, unknown> }>;
};

describe('the OpenAPI document under redocly lint (recommended rules)', () => {
  it('has no error and no warning', async () => {
    const report = await lint(await served(), 'openapi.json');
    expect(report.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
  }, 60_000);

  it('finds what it should: an API Gateway path template and a missing license', async () => {
    const spec = await served();
    const [filePath, item] = Object.entries(spec.paths).find(([p]) => p.endsWith('/files/{path}')) ?? [];
    expect(filePath).toBeDefined();
    spec.paths = { ...spec.paths, [`${filePath?.replace('{path}', '{path+}')}`]: item };
    delete spec.paths[filePath ?? ''];
    delete spec.info.license;
    const report = await lint(spec, 'broken.json');
    expect(report.problems.map((p) => p.ruleId).sort()).toEqual(['info-license', 'path-parameters-defined']);
  }, 60_000);
});
