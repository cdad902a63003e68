/**
 * What esbuild's `inject` puts in place of the global `Headers`, `Request` and `Response` in the
 * Lambda bundles (infra/aws/bundling.ts): the light objects of `lambda-fetch.ts`.
 */
export { LambdaHeaders as Headers, LambdaRequest as Request, LambdaResponse as Response } from './lambda-fetch.js';
