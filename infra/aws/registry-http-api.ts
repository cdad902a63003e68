/**
 * The HTTP API: one route per core route, each behind the JWT authorizer with the scopes that
 * satisfy it (a higher scope implies the lower ones), except `GET /healthz`. A throttled
 * `$default` stage with JSON access logs.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Scope } from '../../shared/ports/auth.js';

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** `null`: open (`/healthz` and the web UI's static page and assets). */
  scope: Scope | null;
  /** The function serving it: the API, or the small one for the OpenAPI document. */
  target: 'api' | 'docs';
}

export interface RegistryHttpApiProps {
  handlers: Record<ApiRoute['target'], lambda.IFunction>;
  routes: ApiRoute[];
  jwtIssuer: string;
  jwtAudience: string[];
  /** Audiences known only once the API exists (a client whose redirect URI names its URL). */
  audiencesFor?: (api: apigw.HttpApi) => string[];
  /** Prepended to scope names as the identity provider writes them (e.g. a Cognito resource server id + `/`). */
  scopePrefix: string;
  throttle: { rateLimit: number; burstLimit: number };
}

/** Scopes that satisfy a route needing `scope`: admin implies write implies read. */
export function satisfyingScopes(scope: Scope): Scope[] {
  if (scope === 'registry.read') return ['registry.read', 'registry.write', 'registry.admin'];
  if (scope === 'registry.write') return ['registry.write', 'registry.admin'];
  return ['registry.admin'];
}

const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  integrationLatency: '$context.integration.latency',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  subject: '$context.authorizer.claims.sub',
  authorizerError: '$context.authorizer.error',
  integrationError: '$context.integrationErrorMessage',
};

export class RegistryHttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;

  constructor(scope: Construct, id: string, props: RegistryHttpApiProps) {
    super(scope, id);
    this.api = new apigw.HttpApi(this, 'Api', { createDefaultStage: false, description: 'mreg model registry' });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.jwtIssuer, {
      jwtAudience: [...props.jwtAudience, ...(props.audiencesFor?.(this.api) ?? [])],
      identitySource: ['$request.header.Authorization'],
    });
    const integrations = {
      api: new HttpLambdaIntegration('Registry', props.handlers.api, {
        payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
      }),
      docs: new HttpLambdaIntegration('Docs', props.handlers.docs, {
        payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
      }),
    };
    for (const route of props.routes) {
      const options: apigw.AddRoutesOptions = {
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration: integrations[route.target],
      };
      if (route.scope === null) {
        this.api.addRoutes(options);
        continue;
      }
      this.api.addRoutes({
        ...options,
        authorizer,
        authorizationScopes: satisfyingScopes(route.scope).map((s) => `${props.scopePrefix}${s}`),
      });
    }
  }
}
