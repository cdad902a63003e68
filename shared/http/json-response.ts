/**
 * JSON answers, with their text kept beside the Response. Lambda's proxy result carries the body
 * as a string, and consuming a Response's body stream to get it back costs more than building a
 * small read's whole answer. `heldText` hands the text over instead; the body stream stays
 * unread (the local server and Azure stream it as usual).
 */
const held = new WeakMap<Response, string>();

/** A JSON answer: `body` serialised once, the text held for `heldText`. */
export function jsonResponse(body: unknown, status: number, headers: Record<string, string>): Response {
  const text = JSON.stringify(body);
  const response = new Response(text, { status, headers });
  held.set(response, text);
  return response;
}

/** The text a `jsonResponse` was built from; undefined for any other Response, or once its body was read. */
export function heldText(response: Response): string | undefined {
  return response.bodyUsed ? undefined : held.get(response);
}
