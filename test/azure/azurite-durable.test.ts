/**
 * The crash tests' Azurite (test/support/azure/azurite-durable.mjs) keeps every write it
 * acknowledged across a SIGKILL, including while it starts again: its Blob service answers
 * before its Table service has read its file, and a blob write then must not save the Table
 * database, still empty, over that file (the reliability report's "TableNotFound" after a restart).
 */
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Azurite, startAzurite } from '../support/azure/azurite.js';
import type { CrashableServer } from '../support/crashable-server.js';

let azurite: Azurite & CrashableServer;

beforeAll(async () => {
  azurite = await startAzurite({ persistent: true });
}, 60_000);

afterAll(async () => {
  await azurite?.stop();
});

describe('the durable Azurite launcher', () => {
  it('keeps its tables when blob writes arrive while it starts again', async () => {
    const table = TableClient.fromConnectionString(azurite.connectionString, 'durable', {
      allowInsecureConnection: true,
    });
    await table.createTable();
    // A Table file big enough that reading it takes a while after the Blob service answers.
    const filler = 'x'.repeat(1024);
    for (let batch = 0; batch < 20; batch++)
      await table.submitTransaction(
        Array.from(
          { length: 100 },
          (_, i) => ['create', { partitionKey: `p${batch}`, rowKey: `r${i}`, filler }] as const,
        ),
      );
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString, { retryOptions: { maxTries: 1 } });
    // Blob writes while Azurite is down and starting again: the first ones it answers land in the window.
    let restarted = false;
    let answered = 0;
    const writer = (async () => {
      for (let i = 0; !restarted; i++) {
        await blobs
          .getContainerClient(`window-${i}`)
          .create()
          .then(
            () => answered++,
            () => undefined,
          );
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await azurite.crashAndRestart();
    restarted = true;
    await writer;
    expect(answered).toBeGreaterThan(0);
    expect((await table.getEntity<{ filler: string }>('p19', 'r99')).filler).toBe(filler);
  }, 120_000);
});
