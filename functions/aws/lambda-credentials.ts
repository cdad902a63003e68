/**
 * Lambda's credential provider, bundled in place of `@aws-sdk/credential-provider-node` (an
 * esbuild alias in infra/aws/bundling.ts). Lambda hands every function its role's credentials
 * in the environment, so the default chain's SSO, INI, process, web-identity and metadata
 * providers (and the STS/SSO clients behind them, ~110 KB minified) are dead weight on cold start.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
