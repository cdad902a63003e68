/** The CLI against the AWS handlers (API Gateway events, Lambda handlers) on s3rver + DynamoDB Local. */
import { describe } from 'vitest';
import { awsBackend } from './backends.js';
import { cliSuite } from './suite.js';

describe('mreg against the AWS handlers', () => {
  cliSuite(awsBackend);
});
