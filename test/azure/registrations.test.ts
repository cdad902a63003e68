/**
 * What main.ts registers with the Functions host. Outside the host `@azure/functions` skips
 * registrations, so the package is replaced by a recorder here (pure wiring, no I/O); the
 * names are checked against host.json and the template, which address them.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it, vi } from 'vitest';

const registered = vi.hoisted(() => [] as { kind: string; name: string; options: Record<string, unknown> }[]);

vi.mock('@azure/functions', () => {
  const record = (kind: string) => (name: string, options: Record<string, unknown>) =>
    void registered.push({ kind, name, options });
  const app = {
    http: record('http'),
    eventGrid: record('eventGrid'),
    storageQueue: record('storageQueue'),
    timer: record('timer'),
  };
  const output = { storageQueue: (options: Record<string, unknown>) => ({ type: 'queue', name: 'q', ...options }) };
  return { default: { app, output }, app, output };
});

const byName = (name: string) => {
  const found = registered.find((r) => r.name === name);
  if (!found) throw new Error(`${name} is not registered`);
  return found;
};

beforeAll(async () => {
  await import('../../functions/azure/main.js');
});

describe('Function App registrations', () => {
  it('registers the API, BlobCreated, the verifier queue and two timers', () => {
    expect(registered.map((r) => `${r.kind}:${r.name}`).sort()).toEqual(
      ['eventGrid:blobCreated', 'http:api', 'storageQueue:verify', 'timer:publishHistory', 'timer:sweep'].sort(),
    );
  });

  it('routes every path and method to the API, anonymous at the function (Entra ID guards the app)', () => {
    const api = byName('api').options;
    expect(api.route).toBe('{*path}');
    expect(api.authLevel).toBe('anonymous');
    expect(api.methods).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']));
  });

  it('lets every function that may defer verification write to the verify queue it reads', () => {
    const verify = byName('verify').options;
    for (const name of ['api', 'blobCreated', 'verify', 'sweep']) {
      const outputs = byName(name).options.extraOutputs as { queueName: string; connection: string }[];
      expect(
        outputs.map((o) => o.queueName),
        name,
      ).toEqual([verify.queueName]);
      expect(outputs[0]?.connection).toBe('AzureWebJobsStorage');
    }
    expect(verify.connection).toBe('AzureWebJobsStorage');
  });

  it('names the Event Grid function as the template’s subscription addresses it', () => {
    const template = readFileSync(new URL('../../infra/azure/main.json', import.meta.url), 'utf8');
    expect(template).toContain(`/functions/${byName('blobCreated').name}`);
    const host = JSON.parse(readFileSync(new URL('../../host.json', import.meta.url), 'utf8'));
    expect(host.extensions.http.routePrefix).toBe('');
  });

  it('runs the timers on six-field NCRONTAB schedules', () => {
    for (const name of ['sweep', 'publishHistory'])
      expect(String(byName(name).options.schedule).split(' '), name).toHaveLength(6);
  });
});
