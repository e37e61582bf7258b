// The job consumer example: verifyToken outside HTTP, acking or rejecting each message by reason and scope.
import { EventEmitter, once } from 'node:events';
import { createTestIssuer, tamperSignature } from '@tollgate/testing';
import { describe, expect, it } from 'vitest';
import { consumeJobs, handleJob, type Job } from '../../examples/job-consumer.js';
import { optionsFor, useIssuer } from '../support/issuer.js';

const issuer = useIssuer();
const job = (kind: Job['kind'], token: string, id = 'j'): Job => ({ id, kind, token });

describe('handleJob', () => {
  it('acks a job whose token carries the scope its kind needs', async () => {
    await expect(handleJob(job('orders.list', await issuer.sign({ scope: 'orders:read', client_id: 'batch' })), issuer.options())).resolves.toEqual({
      id: 'j',
      result: 'ack',
      clientId: 'batch',
    });
    await expect(handleJob(job('orders.create', await issuer.sign({ scope: 'orders:write' })), issuer.options())).resolves.toMatchObject({
      result: 'ack',
    });
  });

  it('rejects by reason: missing scope, expired, bad signature, wrong audience, not a JWT', async () => {
    const cases: Array<[Job, string]> = [
      [job('orders.create', await issuer.sign({ scope: 'orders:read' })), 'insufficient_scope'],
      [job('orders.list', await issuer.sign({ scope: 'orders:read' }, { expiresIn: -60 })), 'expired'],
      [job('orders.list', tamperSignature(await issuer.sign({ scope: 'orders:read' }))), 'signature'],
      [job('orders.list', await issuer.sign({ scope: 'orders:read', aud: 'https://other.example' })), 'audience'],
      [job('orders.list', 'not-a-jwt'), 'malformed_token'],
    ];
    for (const [input, reason] of cases) {
      await expect(handleJob(input, issuer.options())).resolves.toEqual({ id: 'j', result: 'reject', reason });
    }
  });

  it('asks for a retry, not a rejection, while the keys cannot be fetched', async () => {
    const unreachable = await createTestIssuer({ algorithms: ['ES256'] });
    try {
      unreachable.setFault({ kind: 'down' }, 'jwks');
      const outcome = await handleJob(job('orders.list', await unreachable.sign({ scope: 'orders:read' })), optionsFor(unreachable));
      expect(outcome).toEqual({ id: 'j', result: 'retry', retryAfterSeconds: expect.any(Number) });
    } finally {
      await unreachable.close();
    }
  });

  it('throws on a misconfigured consumer instead of blaming the message', async () => {
    await expect(handleJob(job('orders.list', 'x'), { issuer: 'http://auth.example.com/', audience: 'a' })).rejects.toThrow(/https URL/);
  });
});

describe('consumeJobs', () => {
  it('emits one outcome per job until stopped', async () => {
    const queue = new EventEmitter();
    const stop = consumeJobs(queue, issuer.options());
    const outcome = once(queue, 'outcome', { signal: AbortSignal.timeout(5000) });
    queue.emit('job', job('orders.list', await issuer.sign({ scope: 'orders:read' }), 'first'));
    expect((await outcome)[0]).toMatchObject({ id: 'first', result: 'ack' });
    stop();
    expect(queue.listenerCount('job')).toBe(0);
  });

  it('emits error for a consumer whose options are wrong', async () => {
    const queue = new EventEmitter();
    const stop = consumeJobs(queue, { issuer: 'http://auth.example.com/', audience: 'a' });
    const failure = once(queue, 'error', { signal: AbortSignal.timeout(5000) });
    queue.emit('job', job('orders.list', 'x'));
    expect(String((await failure)[0])).toMatch(/TollgateConfigError/);
    stop();
  });
});
