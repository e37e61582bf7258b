// Demo steps at the token endpoint: each client gets a token by the client credentials grant, two are refused.
import { decodeJwt } from 'jose';
import { createClientCredentialsClient, TokenEndpointError } from '@tollgate/testing';
import type { Transcript } from '../lib/transcript.js';
import type { DemoEnvironment } from './environment.js';

const SHOWN_CLAIMS = ['iss', 'sub', 'aud', 'client_id', 'scope', 'iat', 'exp'];

/** Gets each client's token (decoded claims shown, never the token) and checks two refusals. */
export async function tokenSteps(env: DemoEnvironment, t: Transcript): Promise<void> {
  t.section(`client credentials grant, POST ${env.issuer.tokenEndpoint} (RFC 6749 section 4.4)`);
  for (const demo of Object.values(env.clients)) {
    const details = await demo.client.getTokenDetails();
    const claims = decodeJwt(details.accessToken);
    const expected = demo.scopes.join(' ');
    const lifetime = Math.round((details.expiresAt - Date.now()) / 1000);
    t.check(claims.client_id === demo.clientId && details.scope === expected, `${demo.clientId} (${demo.authMethod}) → token for "${details.scope}", ~${lifetime} s`, `scope "${expected}"`);
    t.note(`claims: ${JSON.stringify(Object.fromEntries(SHOWN_CLAIMS.filter((name) => name in claims).map((name) => [name, claims[name]])))}`);
  }

  const { reader } = env.clients;
  const greedy = createClientCredentialsClient({
    tokenEndpoint: env.issuer.tokenEndpoint,
    clientId: reader.clientId,
    clientSecret: reader.secret!,
    authMethod: 'client_secret_post',
    scope: 'orders:write',
  });
  const tooMuch = await refusal(greedy.getToken());
  t.check(tooMuch?.status === 400 && tooMuch.error === 'invalid_scope', `${reader.clientId} asks for orders:write → ${describe(tooMuch)}`, '400 invalid_scope');
  const impostor = createClientCredentialsClient({ tokenEndpoint: env.issuer.tokenEndpoint, clientId: 'orders-admin', clientSecret: 'guessed' });
  const wrong = await refusal(impostor.getToken());
  t.check(wrong?.status === 401 && wrong.error === 'invalid_client', `orders-admin with a wrong secret → ${describe(wrong)}`, '401 invalid_client');
}

async function refusal(attempt: Promise<string>): Promise<TokenEndpointError | undefined> {
  return attempt.then(
    () => undefined,
    (error: unknown) => (error instanceof TokenEndpointError ? error : undefined),
  );
}

function describe(error: TokenEndpointError | undefined): string {
  return error ? `${error.status} ${error.error}` : 'a token';
}
