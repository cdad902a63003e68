/** Event Grid BlobCreated (both delivery schemas, from the published docs) to the core's ObjectCreatedEvent. */
import { describe, expect, it } from 'vitest';
import {
  type DeliveredEvent,
  keyInContainer,
  objectCreatedFromEventGrid,
} from '../../functions/azure/blob-created-event.js';
import { fixture } from '../support/azure/functions-app.js';

const [gridEvent] = fixture<DeliveredEvent[]>('eventgrid-blob-created.json');
const [cloudEvent] = fixture<DeliveredEvent[]>('cloudevents-blob-created.json');

describe('BlobCreated mapping', () => {
  it('maps the Event Grid schema example: key in the container, bare etag, size, sequencer', () => {
    expect(objectCreatedFromEventGrid(gridEvent ?? {}, 'testcontainer')).toEqual({
      event: {
        key: 'new-file.txt',
        size: 524288,
        etag: '0x8D4BCC2E4835CD0',
        sequencer: '00000000000004420000000000028963',
      },
    });
  });

  it('maps the CloudEvents example the same way', () => {
    expect(objectCreatedFromEventGrid(cloudEvent ?? {}, 'testcontainer')).toEqual(
      objectCreatedFromEventGrid(gridEvent ?? {}, 'testcontainer'),
    );
  });

  it('takes the writer identity where the event carries one', () => {
    const withIdentity = { ...gridEvent, data: { ...gridEvent?.data, identity: 'sftp-user' } };
    expect(objectCreatedFromEventGrid(withIdentity, 'testcontainer')).toMatchObject({
      event: { creator: 'sftp-user' },
    });
  });

  it('ignores other containers, other event types, incomplete writes and events without the fields', () => {
    expect(objectCreatedFromEventGrid(gridEvent ?? {}, 'models')).toMatchObject({ ignored: expect.any(String) });
    expect(
      objectCreatedFromEventGrid({ ...gridEvent, eventType: 'Microsoft.Storage.BlobDeleted' }, 'testcontainer'),
    ).toMatchObject({ ignored: expect.stringContaining('BlobDeleted') });
    for (const api of ['CreateFile', 'SftpCreate'])
      expect(
        objectCreatedFromEventGrid({ ...gridEvent, data: { ...gridEvent?.data, api } }, 'testcontainer'),
      ).toMatchObject({ ignored: expect.stringContaining(api) });
    expect(
      objectCreatedFromEventGrid({ ...gridEvent, data: { url: 'https://a.blob.core.windows.net/c/k' } }, 'c'),
    ).toMatchObject({ ignored: expect.stringContaining('lacks') });
  });
});

describe('blob URL to key', () => {
  it('decodes each segment once and keeps the folder structure', () => {
    expect(keyInContainer('https://acct.blob.core.windows.net/models/incoming/m/a%20b%2Bc%25d.bin', 'models')).toBe(
      'incoming/m/a b+c%d.bin',
    );
    expect(keyInContainer('https://acct.blob.core.windows.net/models/%E6%A8%A1%E5%9E%8B/x', 'models')).toBe('模型/x');
  });

  it('understands the emulator’s path-style URLs (account in the path)', () => {
    expect(keyInContainer('http://127.0.0.1:10000/devstoreaccount1/models/mreg/uploads/u/0', 'models')).toBe(
      'mreg/uploads/u/0',
    );
  });

  it('gives nothing for the container itself, another container or a broken URL', () => {
    expect(keyInContainer('https://acct.blob.core.windows.net/models', 'models')).toBeUndefined();
    expect(keyInContainer('https://acct.blob.core.windows.net/other/x', 'models')).toBeUndefined();
    expect(keyInContainer('not a url', 'models')).toBeUndefined();
    expect(keyInContainer('https://acct.blob.core.windows.net/models/%E0%A4%A', 'models')).toBeUndefined();
  });
});
