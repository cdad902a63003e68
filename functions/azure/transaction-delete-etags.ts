/**
 * `@azure/data-tables` 13 drops the options of a `delete` action inside `submitTransaction`
 * and always sends `If-Match: *`, so an etag-conditional delete cannot be batched with other
 * writes through its API. This pipeline policy fills the wanted etags into the DELETE
 * sub-requests of the batch body just before it is sent. The etags travel in an
 * AsyncLocalStorage scope around the one `submitTransaction` call that needs them, so no other
 * request is touched. Covered by the Azure adapter test "conditional delete inside a batch".
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { TableServiceClientOptions } from '@azure/data-tables';

type PipelinePolicy = NonNullable<TableServiceClientOptions['additionalPolicies']>[number]['policy'];

/** Encoded row key -> the etag its DELETE must match. */
const scope = new AsyncLocalStorage<ReadonlyMap<string, string>>();

export function withDeleteEtags<T>(etags: ReadonlyMap<string, string>, run: () => Promise<T>): Promise<T> {
  return etags.size === 0 ? run() : scope.run(etags, run);
}

const DELETE_LINE = /^DELETE \S*RowKey='((?:[^']|'')*)'\) HTTP\/1\.1$/m;

/** Rewrites `If-Match: *` in the DELETE parts whose row key has a wanted etag. */
export function applyDeleteEtags(body: string, etags: ReadonlyMap<string, string>): string {
  return body
    .split(/(?=^--changeset_)/m)
    .map((part) => {
      const m = DELETE_LINE.exec(part);
      if (!m?.[1]) return part;
      const rowKey = decodeURIComponent(m[1]).replace(/''/g, "'");
      const etag = etags.get(rowKey);
      return etag === undefined ? part : part.replace(/^If-Match: \*\r?$/m, (line) => line.replace('*', etag));
    })
    .join('');
}

export const deleteEtagPolicy: PipelinePolicy = {
  name: 'mregTransactionDeleteEtags',
  async sendRequest(request, next) {
    const etags = scope.getStore();
    if (etags && typeof request.body === 'string' && request.url.includes('/$batch'))
      request.body = applyDeleteEtags(request.body, etags);
    return next(request);
  },
};
