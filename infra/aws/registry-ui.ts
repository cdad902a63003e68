/**
 * What the web UI needs on AWS: its sign-in settings in the docs function (which serves the
 * page), and an OIDC client whose redirect URI is the API's `/ui/callback`. With a Cognito
 * issuer and no client id given, the stack creates that client on the existing user pool
 * (public, authorization code + PKCE, no secret); with any other issuer the client is the
 * identity provider's, named by `uiClientId`, and `UiRedirectUri` says what to register there.
 */
import { CfnOutput, Fn } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { Scope } from '../../shared/ports/auth.js';

export const UI_CALLBACK_PATH = '/ui/callback';
/** Pinned: a replaced client would get a new id, and sign-in would break until the UI was reconfigured. */
export const UI_CLIENT_LOGICAL_ID = 'RegistryUiClient';
const UI_SCOPES: Scope[] = ['registry.read', 'registry.write', 'registry.admin'];

/** `https://cognito-idp.<region>.amazonaws.com/<pool id>` -> the pool id. */
export function cognitoPoolId(issuer: string): string | undefined {
  return /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/([\w-]+_[\w]+)\/?$/.exec(issuer)?.[1];
}

export interface RegistryUiProps {
  jwtIssuer: string;
  /** The UI's OIDC client at the issuer; unset with a Cognito issuer: created here. */
  clientId?: string;
  /** How the identity provider names the registry's scopes (e.g. `mreg/`). */
  scopePrefix: string;
  /** Scopes the UI asks for; default openid and the three registry scopes. */
  scopes?: string[];
}

export class RegistryUi extends Construct {
  private clientId: string | undefined;
  private readonly scopes: string[];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: RegistryUiProps,
  ) {
    super(scope, id);
    this.clientId = props.clientId;
    this.scopes = props.scopes ?? ['openid', ...UI_SCOPES.map((s) => `${props.scopePrefix}${s}`)];
  }

  /** Creates the Cognito client for `api` where the stack owns it; answers the audiences it adds. */
  bindApi(api: apigw.HttpApi): string[] {
    const poolId = cognitoPoolId(this.props.jwtIssuer);
    const base = `${api.apiEndpoint}`;
    new CfnOutput(this, 'Url', { value: `${base}/ui/`, description: 'the web UI' });
    new CfnOutput(this, 'RedirectUri', {
      value: `${base}${UI_CALLBACK_PATH}`,
      description: "the UI's OIDC redirect URI (registered by the stack on a Cognito pool it made the client for)",
    });
    if (this.clientId || !poolId) return [];
    const pool = cognito.UserPool.fromUserPoolId(this, 'UserPool', poolId);
    const client = new cognito.UserPoolClient(this, 'Client', {
      userPool: pool,
      userPoolClientName: 'mreg-ui',
      generateSecret: false,
      authFlows: {},
      preventUserExistenceErrors: true,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: this.scopes.map((s) => (s === 'openid' ? cognito.OAuthScope.OPENID : cognito.OAuthScope.custom(s))),
        callbackUrls: [Fn.join('', [base, UI_CALLBACK_PATH])],
        logoutUrls: [Fn.join('', [base, '/ui/'])],
      },
    });
    (client.node.defaultChild as cognito.CfnUserPoolClient).overrideLogicalId(UI_CLIENT_LOGICAL_ID);
    this.clientId = client.userPoolClientId;
    // Cognito access tokens carry `client_id`, which the JWT authorizer checks against its audiences.
    return [client.userPoolClientId];
  }

  /** The docs function writes these settings into the UI's page. */
  bindDocs(fn: lambda.Function): void {
    if (!this.clientId) return;
    fn.addEnvironment('MREG_UI_OIDC_ISSUER', this.props.jwtIssuer);
    fn.addEnvironment('MREG_UI_CLIENT_ID', this.clientId);
    fn.addEnvironment('MREG_UI_SCOPES', this.scopes.join(' '));
  }
}
