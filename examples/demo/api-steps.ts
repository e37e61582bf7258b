// Demo steps against one orders API: reads, writes, and each kind of refusal with its status and challenge.
import { tamperPayload } from '@tollgate/testing';
import { decodeJwt } from 'jose';
import { call, type Answer } from '../lib/http.js';
import type { RunningApi } from '../lib/start-api.js';
import type { Transcript } from '../lib/transcript.js';
import type { DemoEnvironment } from './environment.js';

interface Expectation {
  status: number;
  error?: string;
  /** What the WWW-Authenticate challenge must match. */
  challenge?: RegExp;
}

/** Runs the checked requests against `api`; returns how many requests it sent. */
export async function apiSteps(api: RunningApi, env: DemoEnvironment, t: Transcript): Promise<number> {
  t.section(`${api.name}  ${api.url}/orders`);
  const { admin, reader, service } = env.clients;
  const orders = `${api.url}/orders`;
  let sent = 0;
  const step = async (method: 'GET' | 'POST', who: string, token: string | undefined, expected: Expectation, url = orders) => {
    sent += 1;
    const answer = await call(method, url, token);
    const ok =
      answer.status === expected.status &&
      answer.error === expected.error &&
      (expected.challenge === undefined || expected.challenge.test(answer.wwwAuthenticate ?? ''));
    t.check(ok, `${method.padEnd(4)} ${who.padEnd(42)} → ${summary(answer)}`, `${expected.status}${expected.error ? ` ${expected.error}` : ''}`);
    return answer;
  };

  await step('GET', 'as orders-reader', await reader.client.getToken(), { status: 200 });
  await step('GET', 'as orders-service (private_key_jwt)', await service.client.getToken(), { status: 200 });
  await step('POST', 'as orders-admin', await admin.client.getToken(), { status: 201 });
  const forbidden = await step('POST', 'as orders-reader (no orders:write)', await reader.client.getToken(), {
    status: 403,
    error: 'insufficient_scope',
    challenge: /error="insufficient_scope".*scope="orders:write"/,
  });
  t.note(`WWW-Authenticate: ${forbidden.wwwAuthenticate}`);

  const readerToken = await reader.client.getToken();
  const expired = await env.issuer.sign({ sub: reader.clientId, client_id: reader.clientId, scope: 'orders:read' }, { expiresIn: -60 });
  await step('GET', 'with a token that expired a minute ago', expired, { status: 401, error: 'invalid_token', challenge: /error="invalid_token"/ });
  // The reader grants itself orders:write by editing its token: the signature no longer matches.
  const tampered = tamperPayload(readerToken, { ...decodeJwt(readerToken), scope: 'orders:read orders:write' });
  await step('POST', 'with a tampered token (scope edited)', tampered, { status: 401, error: 'invalid_token' });
  // RFC 6750 section 3.1: a token sent by two methods at once is a malformed request.
  await step('GET', 'with the token in the header and the query', readerToken, { status: 400, error: 'invalid_request' }, `${orders}?access_token=${readerToken}`);
  // Section 3.1 again: no credentials at all gets a bare challenge, without an error code.
  const bare = await step('GET', 'without a token', undefined, { status: 401, challenge: /^Bearer realm="[^"]*"$/ });
  t.note(`WWW-Authenticate: ${bare.wwwAuthenticate}`);
  return sent;
}

function summary(answer: Answer): string {
  const body = answer.body as { error_description?: unknown } | undefined;
  const description = typeof body?.error_description === 'string' ? ` (${body.error_description})` : '';
  return `${answer.status}${answer.error ? ` ${answer.error}` : ''}${description}`;
}
