/**
 * The SAS signer seam. Account-key SAS is exercised against Azurite by the contract suite; the
 * user-delegation signer needs Entra ID, so its key handling is checked here with a stand-in
 * for the one service call it makes (pure logic: which key signs, when a new one is fetched).
 */
import type { UserDelegationKey } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { type DelegationKeySource, UserDelegationSasSigner } from '../../functions/azure/blob-sas-signer.js';

const HOUR = 3600_000;

class KeySource implements DelegationKeySource {
  readonly calls: { startsOn: Date; expiresOn: Date }[] = [];
  failNext = false;

  async getUserDelegationKey(startsOn: Date, expiresOn: Date): Promise<UserDelegationKey> {
    if (this.failNext) {
      this.failNext = false;
      throw Object.assign(new Error('AuthorizationPermissionMismatch'), { statusCode: 403 });
    }
    this.calls.push({ startsOn, expiresOn });
    return {
      signedObjectId: '11111111-1111-1111-1111-111111111111',
      signedTenantId: '22222222-2222-2222-2222-222222222222',
      signedStartsOn: startsOn,
      signedExpiresOn: expiresOn,
      signedService: 'b',
      signedVersion: '2025-01-05',
      value: Buffer.from(`key-${this.calls.length}`.padEnd(32, '.')).toString('base64'),
    };
  }
}

describe('UserDelegationSasSigner', () => {
  const request = (expiresOn: Date) => ({
    containerName: 'models',
    blobName: 'mreg/uploads/u/0',
    permissions: 'cw',
    expiresOn,
  });

  it('signs an HTTPS-only SAS with the delegation key’s identity, reusing one key', async () => {
    let now = new Date('2026-11-23T12:00:00Z');
    const source = new KeySource();
    const signer = new UserDelegationSasSigner(source, 'acct', () => now);
    const sas = new URLSearchParams(await signer.sign(request(new Date(now.getTime() + HOUR))));
    expect(sas.get('skoid')).toBe('11111111-1111-1111-1111-111111111111');
    expect(sas.get('sktid')).toBe('22222222-2222-2222-2222-222222222222');
    expect(sas.get('spr')).toBe('https');
    expect(sas.get('sp')).toBe('cw');
    expect(sas.get('sr')).toBe('b');
    expect(sas.get('sig')).toBeTruthy();
    now = new Date(now.getTime() + 2 * HOUR);
    await signer.sign(request(new Date(now.getTime() + HOUR)));
    expect(source.calls).toHaveLength(1);
    // The key starts a little in the past (clock skew) and outlives the SAS it signs.
    expect(source.calls[0]?.startsOn.getTime()).toBeLessThan(Date.parse('2026-11-23T12:00:00Z'));
  });

  it('fetches a new key when a SAS would outlive the cached one', async () => {
    let now = new Date('2026-11-23T12:00:00Z');
    const source = new KeySource();
    const signer = new UserDelegationSasSigner(source, 'acct', () => now);
    await signer.sign(request(new Date(now.getTime() + HOUR)));
    now = new Date(now.getTime() + 23.5 * HOUR);
    await signer.sign(request(new Date(now.getTime() + HOUR)));
    expect(source.calls).toHaveLength(2);
    expect(source.calls[1]?.expiresOn.getTime()).toBeGreaterThan(now.getTime() + HOUR);
  });

  it('asks again after a failed key request instead of caching the failure', async () => {
    const now = new Date('2026-11-23T12:00:00Z');
    const source = new KeySource();
    source.failNext = true;
    const signer = new UserDelegationSasSigner(source, 'acct', () => now);
    await expect(signer.sign(request(new Date(now.getTime() + HOUR)))).rejects.toThrow(/Authorization/);
    await expect(signer.sign(request(new Date(now.getTime() + HOUR)))).resolves.toContain('sig=');
    expect(source.calls).toHaveLength(1);
  });
});
