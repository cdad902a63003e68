/**
 * One registry Lambda function: Node on arm64, bundled here by the local esbuild as minified
 * ESM with the SDK v3 clients inside (not the runtime's copy), its own log group with a
 * retention, X-Ray tracing, JSON logs.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { aliasArgs, LAMBDA_BUNDLE, PROJECT_ROOT } from './bundling.js';

export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** NodejsFunction's form of the shared bundle settings; the SDK v3 clients are bundled, not taken from the runtime. */
export const BUNDLING: nodejs.BundlingOptions = {
  format: nodejs.OutputFormat.ESM,
  minify: LAMBDA_BUNDLE.minify,
  sourceMap: false,
  target: LAMBDA_BUNDLE.target,
  mainFields: [...LAMBDA_BUNDLE.mainFields],
  externalModules: [],
  banner: LAMBDA_BUNDLE.banner,
  esbuildArgs: aliasArgs(),
};

export interface RegistryFunctionProps {
  /** Entry file name under functions/aws (e.g. `api.ts`). */
  entry: string;
  description: string;
  environment: Record<string, string>;
  memorySize?: number;
  timeout?: Duration;
  /** Where failed asynchronous invocations go (functions invoked asynchronously only). */
  deadLetterQueue?: IQueue;
  /** Commands run after esbuild, given the bundle's output directory (e.g. the web UI's build). */
  afterBundling?: (outputDir: string) => string[];
}

export class RegistryFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: RegistryFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role: writing its own log group only, instead of the managed basic execution policy.
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'OwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      role,
      entry: `${PROJECT_ROOT}functions/aws/${props.entry}`,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      handler: 'handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { ...props.environment, POWERTOOLS_LOG_LEVEL: 'INFO' },
      bundling: props.afterBundling
        ? {
            ...BUNDLING,
            commandHooks: {
              beforeBundling: () => [],
              beforeInstall: () => [],
              afterBundling: (_inputDir: string, outputDir: string) => props.afterBundling?.(outputDir) ?? [],
            },
          }
        : BUNDLING,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
    });
  }
}
