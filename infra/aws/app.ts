/**
 * The CDK app. Configured by context (`-c bucketName=...`) or environment; the cdk-nag
 * AwsSolutions and Serverless packs check everything it synthesizes.
 *
 *   npx cdk deploy -c bucketName=my-models -c jwtIssuer=https://issuer/ -c jwtAudience=mreg
 */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { registryStackProps } from './app-config.js';
import { applySuppressions } from './nag-suppressions.js';
import { RegistryStack } from './registry-stack.js';

const app = new App();
const stack = new RegistryStack(app, 'MregRegistry', registryStackProps(app.node, process.env));
applySuppressions(stack);
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
Aspects.of(app).add(new ServerlessChecks({ verbose: true }));
app.synth();
