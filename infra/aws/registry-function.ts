/**
 * One registry Lambda function: Node on arm64, bundled here by the local esbuild as minified
 * ESM with the SDK v3 clients inside (not the runtime's copy), its own log group with a
 * retention, X-Ray tracing, JSON logs. The bundle is split (`index.mjs` and `chunks/`), which
 * NodejsFunction cannot build (it names one output file), so the asset is bundled here, with
 * the settings of infra/aws/bundling.ts, as NodejsFunction would: from the project root, hashed
 * by its output.
 */
import { AssetHashType, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { bundleFunctionSync, PROJECT_ROOT } from './bundling.js';

export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** The function's code: its entry bundled with its chunks (and what `afterBundling` adds) into one asset. */
function bundledCode(entry: string, afterBundling?: (outputDir: string) => string[]): lambda.Code {
  return lambda.Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: the local bundling below builds every asset, or fails with esbuild's error.
      image: FUNCTION_RUNTIME.bundlingImage,
      // CDK caches bundled assets by their bundling options, not by the local bundler: the entry
      // (and whether anything runs after esbuild) keeps each function's asset its own.
      environment: { MREG_ENTRY: entry, MREG_AFTER_BUNDLING: String(Boolean(afterBundling)) },
      local: {
        tryBundle(outputDir) {
          bundleFunctionSync(`${PROJECT_ROOT}functions/aws/${entry}`, outputDir, afterBundling?.(outputDir));
          return true;
        },
      },
    },
  });
}

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
  readonly fn: lambda.Function;

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
    this.fn = new lambda.Function(this, 'Function', {
      role,
      code: bundledCode(props.entry, props.afterBundling),
      handler: 'index.handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { ...props.environment, POWERTOOLS_LOG_LEVEL: 'INFO' },
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
    });
  }
}
