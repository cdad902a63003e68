/**
 * Bodies over a limit are refused. Mounted for `BODY_METHODS` only, so reads never meet it. A
 * declared length is checked as a header: reading `request.body` (as Hono's bodyLimit does first)
 * makes an adapter such as @hono/node-server build a full Request with a body stream. A body
 * without a declared length (chunked) is counted as it streams, by Hono's bodyLimit.
 */
import { bodyLimit } from 'hono/body-limit';
import type { MiddlewareHandler } from 'hono/types';

/** The methods whose requests may carry a body, and so meet the body limits. */
export const BODY_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

export function limitBody(maxSize: number, tooLarge: () => Response): MiddlewareHandler {
  const counted = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined)
      return Number.parseInt(length, 10) > maxSize ? tooLarge() : next();
    return counted(c, next);
  };
}
