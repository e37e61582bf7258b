// A queue consumer that checks the access token carried by each message with verifyToken(): no HTTP involved.
import { EventEmitter } from 'node:events';
import { hasScopes, JwksUnavailableError, TollgateError, verifyToken, type TollgateErrorReason, type VerifierOptions } from '@tollgate/core';

/** A message on the queue: what to do, and the token of the client that asked for it. */
export interface Job {
  id: string;
  kind: 'orders.list' | 'orders.create';
  token: string;
}

/** ack: done. reject: never retried (bad token, missing scope). retry: the keys could not be fetched. */
export type JobOutcome =
  | { id: string; result: 'ack'; clientId: string | undefined }
  | { id: string; result: 'reject'; reason: TollgateErrorReason }
  | { id: string; result: 'retry'; retryAfterSeconds: number };

const REQUIRED_SCOPE: Record<Job['kind'], string> = { 'orders.list': 'orders:read', 'orders.create': 'orders:write' };

/** Checks one job's token and scope. */
export async function handleJob(job: Job, options: VerifierOptions): Promise<JobOutcome> {
  try {
    // verifyToken reuses one verifier (and its JWKS cache) for these options: no fetch per message.
    const auth = await verifyToken(job.token, options);
    if (!hasScopes(auth, [REQUIRED_SCOPE[job.kind]])) return { id: job.id, result: 'reject', reason: 'insufficient_scope' };
    return { id: job.id, result: 'ack', clientId: auth.clientId };
  } catch (error) {
    // The token is not at fault when the keys are unavailable: put the job back instead of dropping it.
    if (error instanceof JwksUnavailableError) return { id: job.id, result: 'retry', retryAfterSeconds: error.retryAfter };
    if (error instanceof TollgateError) return { id: job.id, result: 'reject', reason: error.reason };
    throw error; // a TollgateConfigError: the consumer is misconfigured, not the message
  }
}

/**
 * Consumes the 'job' events of a queue, emitting one 'outcome' per job (or 'error'). Returns a stop function.
 * @example
 * const queue = new EventEmitter();
 * queue.on('outcome', (outcome) => console.log(outcome));
 * consumeJobs(queue, { issuer, audience });
 * queue.emit('job', { id: '1', kind: 'orders.list', token });
 */
export function consumeJobs(queue: EventEmitter, options: VerifierOptions): () => void {
  const onJob = (job: Job) => {
    handleJob(job, options).then(
      (outcome) => queue.emit('outcome', outcome),
      (error: unknown) => queue.emit('error', error),
    );
  };
  queue.on('job', onJob);
  return () => queue.off('job', onJob);
}
