/** The AWS stack as synthesized (aws-cdk-lib/assertions), with the cdk-nag packs applied as in the app. */
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../infra/aws/api-routes.js';
import { uiBuildCommands } from '../../infra/aws/bundling.js';
import { applySuppressions } from '../../infra/aws/nag-suppressions.js';
import { RegistryStack, type RegistryStackProps } from '../../infra/aws/registry-stack.js';
import { TABLE_LOGICAL_ID } from '../../infra/aws/registry-table.js';
import { UI_CLIENT_LOGICAL_ID } from '../../infra/aws/registry-ui.js';

const BUCKET = 'example-models';
const UI_ROUTES = ['GET /ui', 'GET /ui/{proxy+}'];
const PUBLIC_ROUTES = ['GET /healthz', ...UI_ROUTES];

function synth(overrides: Partial<RegistryStackProps> = {}, nag = true): { stack: Stack; template: Template } {
  // No bundling here (esbuild runs in `npm run synth`); assets become placeholders.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new RegistryStack(app, 'MregRegistry', {
    bucketName: BUCKET,
    jwtIssuer: 'https://issuer.example.com/',
    jwtAudience: ['mreg'],
    env: { account: '123456789012', region: 'eu-west-1' },
    ...overrides,
  });
  if (nag) {
    applySuppressions(stack);
    Aspects.of(app).add(new AwsSolutionsChecks());
    Aspects.of(app).add(new ServerlessChecks());
  }
  return { stack, template: Template.fromStack(stack) };
}

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
/** `{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::bucket/mreg/*"]]}` -> `arn:<partition>:s3:::bucket/mreg/*`. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(flatten).join(join[0]);
    const ref = (value as { Ref?: string }).Ref;
    if (ref) return ref === 'AWS::Partition' ? 'aws' : `<${ref}>`;
    const att = (value as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt'];
    if (att) return `<${att.join('.')}>`;
  }
  return JSON.stringify(value);
}

function policyStatements(t: Template): Statement[] {
  return Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement ?? [],
  );
}

function nagFindings(stack: Stack): string[] {
  const pattern = Match.stringLikeRegexp('(AwsSolutions|Serverless)-');
  const annotations = Annotations.fromStack(stack);
  return [...annotations.findError('*', pattern), ...annotations.findWarning('*', pattern)].map(
    (f) => `${f.id}: ${String(f.entry.data).slice(0, 80)}`,
  );
}

let synthesized: { stack: Stack; template: Template };
beforeAll(() => {
  synthesized = synth();
});
const template = () => synthesized.template;

describe('AWS stack', () => {
  it('references the existing bucket and creates none', () => {
    template().resourceCountIs('AWS::S3::Bucket', 0);
    template().resourceCountIs('AWS::S3::BucketPolicy', 0);
  });

  it('sends object-created notifications of the staging prefix and incoming/ to SQS, unmanaged', () => {
    const notifications = template().findResources('Custom::S3BucketNotifications');
    const [resource] = Object.values(notifications) as Array<{ Properties: Record<string, unknown> }>;
    expect(resource?.Properties.Managed).toBe(false);
    expect(resource?.Properties.BucketName).toBe(BUCKET);
    const config = resource?.Properties.NotificationConfiguration as {
      QueueConfigurations: Array<{
        Events: string[];
        Filter: { Key: { FilterRules: Array<{ Name: string; Value: string }> } };
      }>;
    };
    const prefixes = config.QueueConfigurations.map((q) => {
      expect(q.Events).toEqual(['s3:ObjectCreated:*']);
      return q.Filter.Key.FilterRules.find((r) => r.Name === 'prefix')?.Value;
    });
    expect(prefixes.sort()).toEqual(['incoming/', 'mreg/uploads/']);
    template().hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
      SqsManagedSseEnabled: true,
    });
    template().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      EventSourceArn: Match.objectLike({
        'Fn::GetAtt': Match.arrayWith([Match.stringLikeRegexp('ObjectCreatedQueue')]),
      }),
    });
  });

  it('scopes every S3 permission to the registry prefix or incoming/ (listing by prefix condition)', () => {
    const s3Statements = policyStatements(template()).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3Statements.length).toBeGreaterThan(0);
    for (const statement of s3Statements) {
      for (const action of actionsOf(statement)) expect(action).not.toMatch(/\*/);
      for (const resource of resourcesOf(statement).map(flatten)) {
        if (actionsOf(statement).includes('s3:ListBucket')) {
          expect(resource).toBe(`arn:aws:s3:::${BUCKET}`);
          const prefixes = statement.Condition?.StringLike?.['s3:prefix'];
          expect(
            prefixes === 'mreg/*' ||
              prefixes === 'incoming/*' ||
              JSON.stringify(prefixes) === '["mreg/*"]' ||
              JSON.stringify(prefixes) === '["incoming/*"]',
          ).toBe(true);
        } else if (actionsOf(statement).every((a) => /^s3:(Get|Put)BucketNotification$/.test(a))) {
          // CDK's notification handler reads and writes the bucket's notification configuration, nothing else.
          expect(resource).toBe(`arn:aws:s3:::${BUCKET}`);
        } else {
          expect(resource).toMatch(new RegExp(`^arn:aws:s3:::${BUCKET}/(mreg|incoming)/\\*$`));
        }
      }
    }
    const incomingWriters = s3Statements.filter(
      (s) =>
        resourcesOf(s)
          .map(flatten)
          .some((r) => r.includes('/incoming/')) &&
        actionsOf(s).some((a) => a !== 's3:GetObject' && a !== 's3:ListBucket'),
    );
    expect(incomingWriters).toEqual([]);
  });

  it('puts the JWT authorizer with scopes on every route but /healthz and the web UI’s page and assets', () => {
    const routes = Object.values(template().findResources('AWS::ApiGatewayV2::Route')) as Array<{
      Properties: {
        RouteKey: string;
        AuthorizationType?: string;
        AuthorizationScopes?: string[];
        AuthorizerId?: unknown;
      };
    }>;
    expect(routes).toHaveLength(apiRoutes().length);
    for (const { Properties: route } of routes) {
      if (PUBLIC_ROUTES.includes(route.RouteKey)) {
        expect(route.AuthorizationType ?? 'NONE', route.RouteKey).toBe('NONE');
        continue;
      }
      expect(route.AuthorizationType, route.RouteKey).toBe('JWT');
      expect(route.AuthorizerId).toBeDefined();
      expect(route.AuthorizationScopes?.length, route.RouteKey).toBeGreaterThan(0);
    }
    const byKey = new Map(routes.map((r) => [r.Properties.RouteKey, r.Properties.AuthorizationScopes]));
    expect(byKey.get('POST /v1/models')).toEqual(['registry.write', 'registry.admin']);
    expect(byKey.get('GET /v1/models/{model}/versions/{ref}/files/{path+}')).toEqual([
      'registry.read',
      'registry.write',
      'registry.admin',
    ]);
    template().hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://issuer.example.com/', Audience: ['mreg'] },
    });
  });

  it('gives the api function the scope prefix the routes use and the admin claim, exactly as configured', () => {
    const { template: t } = synth(
      { scopePrefix: 'mreg/', adminClaim: 'cognito:groups', adminValues: ['mreg-admins', 'ops'] },
      false,
    );
    const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route')) as Array<{
      Properties: { RouteKey: string; AuthorizationScopes?: string[] };
    }>;
    const create = routes.find((r) => r.Properties.RouteKey === 'POST /v1/models');
    expect(create?.Properties.AuthorizationScopes).toEqual(['mreg/registry.write', 'mreg/registry.admin']);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'mreg HTTP API',
      Environment: {
        Variables: Match.objectLike({
          MREG_SCOPE_PREFIX: 'mreg/',
          MREG_ADMIN_CLAIM: 'cognito:groups',
          MREG_ADMIN_VALUES: 'mreg-admins,ops',
        }),
      },
    });
    // Without an admin claim nobody is an admin through the API; the prefix is still passed on.
    template().hasResourceProperties('AWS::Lambda::Function', {
      Description: 'mreg HTTP API',
      Environment: { Variables: Match.objectLike({ MREG_SCOPE_PREFIX: '', MREG_ADMIN_CLAIM: Match.absent() }) },
    });
    expect(() => synth({ adminClaim: 'cognito:groups' }, false)).toThrow(/adminValues/);
  });

  it('serves the OpenAPI document and the web UI from the docs function and every other route from the API function', () => {
    const integrations = template().findResources('AWS::ApiGatewayV2::Integration') as Record<
      string,
      { Properties: { IntegrationUri: unknown } }
    >;
    // A route's target is `integrations/<Ref to its integration>`; the integration's URI names the function.
    const functionOf = (target: unknown): string => {
      const ref = JSON.stringify(target).match(/"Ref":"([^"]+)"/)?.[1] ?? '';
      return JSON.stringify(integrations[ref]?.Properties.IntegrationUri ?? null);
    };
    const routes = Object.values(template().findResources('AWS::ApiGatewayV2::Route')) as Array<{
      Properties: { RouteKey: string; Target: unknown };
    }>;
    for (const { Properties: route } of routes) {
      const fn = functionOf(route.Target);
      if (['GET /v1/openapi.json', ...UI_ROUTES].includes(route.RouteKey))
        expect(fn, route.RouteKey).toContain('DocsFunction');
      else expect(fn, route.RouteKey).toContain('ApiFunction');
    }
  });

  it('outputs the bucket-policy statement that keeps everyone but the registry out of its blob area', () => {
    const outputs = template().findOutputs('BlobAreaDenyStatement');
    const value = Object.values(outputs)[0]?.Value as unknown;
    expect(value, 'output BlobAreaDenyStatement').toBeDefined();
    const text = JSON.stringify(value);
    expect(text).toContain('\\"Effect\\":\\"Deny\\"');
    for (const action of ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'])
      expect(text, action).toContain(action);
    expect(text).toContain(`${BUCKET}/mreg/blobs/*`);
    expect(text).toContain('aws:PrincipalArn');
    // Exempt: exactly the roles of the functions that write or collect blobs.
    const writers = ['ApiFunction', 'ObjectCreatedFunction', 'VerifierFunction', 'SweeperFunction'];
    const roles = Object.keys(template().findResources('AWS::IAM::Role'));
    for (const fn of writers) {
      const role = roles.find((id) => id.startsWith(`${fn}`) && id.includes('Role'));
      expect(role, fn).toBeDefined();
      expect(text, fn).toContain(`${role}`);
    }
    for (const other of ['DocsFunction', 'PublisherFunction']) {
      const role = roles.find((id) => id.startsWith(other) && id.includes('Role'));
      expect(text, other).not.toContain(`${role}`);
    }
  });

  it('throttles the stage and writes JSON access logs', () => {
    template().hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    });
  });

  it('keeps the table: on demand, PITR, TTL, stream, RETAIN, under a stable logical ID', () => {
    const resources = template().toJSON().Resources as Record<
      string,
      { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string }
    >;
    expect(resources[TABLE_LOGICAL_ID]?.Type).toBe('AWS::DynamoDB::Table');
    expect(resources[TABLE_LOGICAL_ID]?.DeletionPolicy).toBe('Retain');
    expect(resources[TABLE_LOGICAL_ID]?.UpdateReplacePolicy).toBe('Retain');
    template().hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    // Another configuration does not move it.
    const other = synth({ prefix: 'registry/', jwtAudience: ['a', 'b'] }, false).template.toJSON().Resources as Record<
      string,
      unknown
    >;
    expect(other[TABLE_LOGICAL_ID]).toBeDefined();
  });

  it('runs Node 22+ on arm64, and feeds the stream to the publisher (H#) and the verifier (VERIFY#)', () => {
    const functions = Object.values(template().findResources('AWS::Lambda::Function')) as Array<{
      Properties: { Runtime?: string; Architectures?: string[]; Description?: string };
    }>;
    const registry = functions.filter((f) => f.Properties.Description?.startsWith('mreg'));
    expect(registry).toHaveLength(6);
    for (const fn of registry) {
      expect(Number(/^nodejs(\d+)\.x$/.exec(fn.Properties.Runtime ?? '')?.[1])).toBeGreaterThanOrEqual(22);
      expect(fn.Properties.Architectures).toEqual(['arm64']);
    }
    const filters = Object.values(template().findResources('AWS::Lambda::EventSourceMapping')).map((m) =>
      JSON.stringify((m as { Properties: { FilterCriteria?: unknown } }).Properties.FilterCriteria ?? null),
    );
    expect(filters.some((f) => f.includes('H#'))).toBe(true);
    expect(filters.some((f) => f.includes('VERIFY#'))).toBe(true);
    template().hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
  });

  it('grants no KMS key use when the bucket has no customer-managed key', () => {
    expect(policyStatements(template()).filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')))).toEqual([]);
  });

  it("lets the functions use the bucket's customer-managed key through S3 only: write and read in the registry prefix, read in incoming/", () => {
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const withKey = synth({ bucketKeyArn: keyArn });
    expect(nagFindings(withKey.stack)).toEqual([]);
    const policies = Object.values(withKey.template.findResources('AWS::IAM::Policy')) as Array<{
      Properties: { PolicyDocument: { Statement: Array<Statement & { Sid?: string }> } };
    }>;
    const touchingBucket = policies.filter((p) =>
      p.Properties.PolicyDocument.Statement.some((s) => s.Sid === 'RegistryObjects'),
    );
    expect(touchingBucket.length).toBe(4);
    for (const policy of touchingBucket) {
      const statements = policy.Properties.PolicyDocument.Statement;
      const key = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
      const incoming = statements.some((s) => s.Sid === 'ReadIncoming');
      expect(key.map((s) => [s.Sid, actionsOf(s).sort(), resourcesOf(s)])).toEqual([
        ['RegistryObjectsKey', ['kms:Decrypt', 'kms:GenerateDataKey'], [keyArn]],
        ...(incoming ? [['IncomingKey', ['kms:Decrypt'], [keyArn]]] : []),
      ]);
      for (const s of key)
        expect(s.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } });
    }
    expect(() => synth({ bucketKeyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/models' }, false)).toThrow(
      /bucketKeyArn/,
    );
  });

  it('web UI: public routes, the built UI bundled beside the docs function, the redirect URI as an output', () => {
    const routes = Object.values(template().findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey,
    );
    expect(routes).toEqual(expect.arrayContaining(UI_ROUTES));
    expect(uiBuildCommands('/out dir')).toEqual(["npx --no-install tsx ui/build.ts '/out dir/ui'"]);
    const outputs = template().toJSON().Outputs as Record<string, { Value: unknown }>;
    const redirect = Object.keys(outputs).find((k) => k.startsWith('UiRedirectUri')) ?? '';
    expect(flatten(outputs[redirect]?.Value)).toMatch(/^<HttpApi[0-9A-F]+\.ApiEndpoint>\/ui\/callback$/);
    // A generic issuer: no client is made here, and the UI falls back to a pasted token unless uiClientId is set.
    template().resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    const withClient = synth({ uiClientId: 'okta-ui-client' }, false).template;
    withClient.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'mreg OpenAPI document and web UI',
      Environment: {
        Variables: Match.objectLike({
          MREG_UI_OIDC_ISSUER: 'https://issuer.example.com/',
          MREG_UI_CLIENT_ID: 'okta-ui-client',
          MREG_UI_SCOPES: 'openid registry.read registry.write registry.admin',
        }),
      },
    });
  });

  it('web UI with a Cognito issuer: a public PKCE client on the pool, redirecting to /ui/callback, under a stable logical id', () => {
    const issuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
    const { stack, template: t } = synth({ jwtIssuer: issuer, scopePrefix: 'mreg/' });
    expect(nagFindings(stack)).toEqual([]);
    const clients = t.findResources('AWS::Cognito::UserPoolClient') as Record<
      string,
      { Properties: Record<string, unknown> }
    >;
    expect(Object.keys(clients)).toEqual([UI_CLIENT_LOGICAL_ID]);
    const client = clients[UI_CLIENT_LOGICAL_ID]?.Properties ?? {};
    expect(client).toMatchObject({
      UserPoolId: 'eu-west-1_AbCdEf123',
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'mreg/registry.read', 'mreg/registry.write', 'mreg/registry.admin'],
    });
    expect((client.CallbackURLs as unknown[]).map(flatten)).toEqual([
      expect.stringMatching(/^<HttpApi[0-9A-F]+\.ApiEndpoint>\/ui\/callback$/),
    ]);
    // Its access tokens carry its id as client_id, which the authorizer takes as an audience.
    const authorizer = Object.values(t.findResources('AWS::ApiGatewayV2::Authorizer'))[0] as {
      Properties: { JwtConfiguration: { Audience: unknown[] } };
    };
    expect(authorizer.Properties.JwtConfiguration.Audience).toEqual(['mreg', { Ref: UI_CLIENT_LOGICAL_ID }]);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'mreg OpenAPI document and web UI',
      Environment: { Variables: Match.objectLike({ MREG_UI_CLIENT_ID: { Ref: UI_CLIENT_LOGICAL_ID } }) },
    });
  });

  it('has no unsuppressed cdk-nag finding (AwsSolutions, Serverless), and every suppression gives a reason', () => {
    expect(nagFindings(synthesized.stack)).toEqual([]);
    const suppressed = Object.values(
      template().toJSON().Resources as Record<
        string,
        { Metadata?: { cdk_nag?: { rules_to_suppress: Array<{ reason: string }> } } }
      >,
    ).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressed.length).toBeGreaterThan(0);
    for (const rule of suppressed) expect(rule.reason.length).toBeGreaterThan(20);
  });
});
