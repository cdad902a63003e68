/** JSON answers hand their text to the Lambda bridge without their body stream being read. */
import { describe, expect, it } from 'vitest';
import { heldText, jsonResponse } from '../../shared/http/json-response.js';

describe('jsonResponse', () => {
  it('holds the very text its body streams, until the body is read', async () => {
    const body = { name: 'fraud', tags: { 'ü-key': 'value "quoted"' }, n: 1.5 };
    const response = jsonResponse(body, 201, { 'content-type': 'application/json', etag: '"e1"' });
    const held = heldText(response);
    expect(held).toBe(JSON.stringify(body));
    expect(response.status).toBe(201);
    expect(response.headers.get('etag')).toBe('"e1"');
    expect(await response.text()).toBe(held);
    expect(heldText(response)).toBeUndefined();
  });

  it('holds nothing for a Response it did not build', () => {
    expect(heldText(new Response('{"a":1}'))).toBeUndefined();
  });
});
