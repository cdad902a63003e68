/**
 * Verification too large for a request goes to a Storage queue on the Function App's own
 * storage account through an output binding (no queue client, no roles on the user's
 * account). The core calls `enqueue` deep inside an operation, so requests are collected in
 * an AsyncLocalStorage scope per invocation and written as the binding's messages at its end.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import azureFunctions, { type InvocationContext, type StorageQueueOutput } from '@azure/functions';
import type { VerificationQueue } from '../../shared/service/context.js';

export const VERIFY_QUEUE = 'mreg-verify';

export interface VerificationRequest {
  model: string;
  version: number;
}

export const verifyQueueOutput: StorageQueueOutput = azureFunctions.output.storageQueue({
  queueName: VERIFY_QUEUE,
  connection: 'AzureWebJobsStorage',
});

const scope = new AsyncLocalStorage<VerificationRequest[]>();

export const invocationVerificationQueue: VerificationQueue = {
  async enqueue(model, version) {
    const requests = scope.getStore();
    if (!requests) throw new Error('verification was requested outside a function invocation');
    if (!requests.some((r) => r.model === model && r.version === version)) requests.push({ model, version });
  },
};

/** Runs one invocation, then hands what it enqueued to the queue output binding. */
export async function collectingVerifications<T>(context: InvocationContext, run: () => Promise<T>): Promise<T> {
  const requests: VerificationRequest[] = [];
  const result = await scope.run(requests, run);
  if (requests.length > 0) context.extraOutputs.set(verifyQueueOutput, requests);
  return result;
}

/** A queue message back to a request; anything else is refused (it goes to the poison queue). */
export function verificationRequestOf(message: unknown): VerificationRequest {
  const value = typeof message === 'string' ? (JSON.parse(message) as unknown) : message;
  if (typeof value === 'object' && value !== null) {
    const { model, version } = value as Record<string, unknown>;
    if (typeof model === 'string' && typeof version === 'number' && Number.isInteger(version))
      return { model, version };
  }
  throw new Error(`not a verification request: ${JSON.stringify(message)}`);
}
