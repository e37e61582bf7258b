// Demo steps with DPoP (RFC 9449): @tollgate/client gets a token bound to its key and calls the API with a
// proof per request; a replayed proof and the bound token sent as Bearer are refused.
import { createTokenClient } from '@tollgate/client';
import { decodeJwt } from 'jose';
import { call } from '../lib/http.js';
import type { RunningApi } from '../lib/start-api.js';
import type { Transcript } from '../lib/transcript.js';
import type { DemoEnvironment } from './environment.js';

/** A DPoP client of orders-reader calls `api` (whose default `dpop` options accept DPoP); returns the API requests sent. */
export async function dpopSteps(api: RunningApi, env: DemoEnvironment, t: Transcript): Promise<number> {
  t.section(`DPoP: a token bound to the client's key, a fresh proof per request (RFC 9449), ${api.name}`);
  const { reader } = env.clients;
  // What client.fetch sends, kept to show that a captured request cannot be replayed.
  const sent: Headers[] = [];
  const client = createTokenClient({
    tokenEndpoint: env.issuer.tokenEndpoint,
    clientId: reader.clientId,
    auth: { method: 'client_secret_post', secret: reader.secret! },
    allowInsecureRequests: true, // the demo issuer and APIs are plain http on 127.0.0.1
    dpop: true, // a generated ES256 key; token requests and API requests carry proofs of it
    fetch: (input, init) => {
      sent.push(new Headers(init?.headers));
      return fetch(input, init);
    },
  });
  const details = await client.getTokenDetails();
  const cnf = decodeJwt(details.accessToken).cnf as { jkt?: string } | undefined;
  t.check(details.tokenType === 'DPoP' && cnf?.jkt === client.dpopKey?.jkt, `${reader.clientId} with dpop → token_type ${details.tokenType}, cnf.jkt = the thumbprint of its key`, 'token_type DPoP, cnf.jkt');
  const orders = `${api.url}/orders`;
  const response = await client.fetch(orders, { signal: AbortSignal.timeout(5000) });
  await response.body?.cancel();
  t.check(response.status === 200, `GET  with Authorization: DPoP and a proof (client.fetch)  → ${response.status}`, '200');
  const captured = sent.at(-1)!;
  const replay = await call('GET', orders, undefined, { authorization: captured.get('authorization')!, dpop: captured.get('dpop')! });
  t.check(replay.status === 401 && /error="invalid_dpop_proof"/.test(replay.wwwAuthenticate ?? ''), `GET  replaying that request's proof  → ${replay.status} ${challengeError(replay.wwwAuthenticate)}`, '401 invalid_dpop_proof');
  t.note(`WWW-Authenticate: ${replay.wwwAuthenticate}`);
  const asBearer = await call('GET', orders, details.accessToken);
  t.check(asBearer.status === 401 && asBearer.error === 'invalid_token', `GET  the bound token as Bearer, without a proof  → ${asBearer.status} ${asBearer.error}`, '401 invalid_token');
  return 3;
}

function challengeError(header: string | null): string {
  return /error="([^"]+)"/.exec(header ?? '')?.[1] ?? '';
}
