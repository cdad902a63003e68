/**
 * The one seam that signs blob SAS tokens. In Azure: user-delegation SAS, the key obtained
 * with the Function App's managed identity (no account key anywhere). Against Azurite, or
 * where only a connection string exists: account-key SAS.
 */
import {
  BlobSASPermissions,
  generateBlobSASQueryParameters,
  SASProtocol,
  type StorageSharedKeyCredential,
  type UserDelegationKey,
} from '@azure/storage-blob';

export interface BlobSasRequest {
  containerName: string;
  blobName: string;
  /** SAS permission letters, e.g. `r`, `cw`. */
  permissions: string;
  expiresOn: Date;
  /** Response header overrides a GET SAS carries (`rscd`, `rsct`). */
  contentDisposition?: string;
  contentType?: string;
}

export interface BlobSasSigner {
  /** The SAS query string (without `?`) granting `permissions` on one blob until `expiresOn`. */
  sign(request: BlobSasRequest): Promise<string>;
}

const values = (request: BlobSasRequest) => ({
  containerName: request.containerName,
  blobName: request.blobName,
  permissions: BlobSASPermissions.parse(request.permissions),
  expiresOn: request.expiresOn,
  ...(request.contentDisposition ? { contentDisposition: request.contentDisposition } : {}),
  ...(request.contentType ? { contentType: request.contentType } : {}),
});

/** Account-key SAS: only for Azurite or a connection string (the emulator speaks plain HTTP). */
export class AccountKeySasSigner implements BlobSasSigner {
  constructor(private readonly credential: StorageSharedKeyCredential) {}

  async sign(request: BlobSasRequest): Promise<string> {
    return generateBlobSASQueryParameters(values(request), this.credential).toString();
  }
}

const HOUR_MS = 3600_000;
/** A user-delegation key may live 7 days; one is fetched for a day and reused. */
const KEY_LIFETIME_MS = 24 * HOUR_MS;

/** Where user-delegation keys come from: a `BlobServiceClient` authenticated with Entra ID. */
export interface DelegationKeySource {
  getUserDelegationKey(startsOn: Date, expiresOn: Date): Promise<UserDelegationKey>;
}

/** User-delegation SAS: the key comes from Entra ID through the managed identity (Storage Blob Delegator). */
export class UserDelegationSasSigner implements BlobSasSigner {
  private key: Promise<UserDelegationKey> | undefined;
  private keyExpiresOn = 0;

  constructor(
    private readonly service: DelegationKeySource,
    private readonly accountName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async sign(request: BlobSasRequest): Promise<string> {
    const key = await this.keyValidUntil(request.expiresOn);
    return generateBlobSASQueryParameters(
      { ...values(request), protocol: SASProtocol.Https },
      key,
      this.accountName,
    ).toString();
  }

  /** A SAS cannot outlive its delegation key: fetch a new key when the cached one ends too soon. */
  private async keyValidUntil(expiresOn: Date): Promise<UserDelegationKey> {
    if (!this.key || this.keyExpiresOn < expiresOn.getTime() + 5 * 60_000) {
      const startsOn = new Date(this.now().getTime() - 5 * 60_000); // tolerate clock skew
      const keyExpiresOn = new Date(Math.max(this.now().getTime() + KEY_LIFETIME_MS, expiresOn.getTime() + HOUR_MS));
      this.keyExpiresOn = keyExpiresOn.getTime();
      this.key = this.service.getUserDelegationKey(startsOn, keyExpiresOn).catch((e: unknown) => {
        this.key = undefined; // the next request asks again
        throw e;
      });
    }
    return this.key;
  }
}
