import { createVerifier, TollgateConfigError } from '@tollgate/core';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { InsufficientScopeError, InvalidTokenError, ServerError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokenOf, tokenVerifier } from '../src/index.js';

const RESOURCE = 'https://mcp.example.test/mcp';
let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
});
afterAll(async () => {
  await issuer?.close();
});

const options = () => ({ issuer: issuer.issuer, audience: [RESOURCE, 'orders-api'], allowInsecureRequests: true });

describe('tokenVerifier', () => {
  it('returns the SDK AuthInfo: clientId, scopes, expiresAt in seconds, the accepted resource, the claims in extra', async () => {
    const token = await issuer.sign({ aud: ['orders-api', RESOURCE], client_id: 'agent', scope: 'a b', tenant: 'acme' });
    const info = await tokenVerifier(options()).verifyAccessToken(token);
    expect(info).toMatchObject({ token, clientId: 'agent', scopes: ['a', 'b'], resource: new URL(RESOURCE), extra: { tenant: 'acme', client_id: 'agent' } });
    expect(info.expiresAt).toBe((accessTokenOf(info)!.expiresAt.getTime()) / 1000);
    // An audience that is not a URL is never reported as the resource; a token without a client gets ''.
    const plain = await tokenVerifier(options()).verifyAccessToken(await issuer.sign({ aud: 'orders-api', client_id: undefined }));
    expect(plain.resource).toBeUndefined();
    expect(plain.clientId).toBe('');
  });

  it('refusals are the SDK error classes the SDK answers with: invalid token 401, outage ServerError', async () => {
    const verifier = tokenVerifier(options());
    for (const token of ['nope', await issuer.sign({ aud: 'https://mcp.example.test/mcp2' }), issuer.unsafe.algNone({ aud: RESOURCE })]) {
      const error = await verifier.verifyAccessToken(token).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect(error).not.toBeInstanceOf(InsufficientScopeError);
      expect((error as Error).message).not.toContain(token);
    }
    const down = await createTestIssuer({ algorithms: ['ES256'] });
    try {
      const token = await down.sign({ aud: RESOURCE });
      down.setFault({ kind: 'error', status: 500 });
      const error = await tokenVerifier({ issuer: down.issuer, audience: RESOURCE, allowInsecureRequests: true }).verifyAccessToken(token).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ServerError);
    } finally {
      await down.close();
    }
  });

  it('takes a verifier (sharing its caches) or options, validated now', () => {
    const verifier = createVerifier(options());
    expect(typeof tokenVerifier(verifier).verifyAccessToken).toBe('function');
    expect(() => tokenVerifier({ issuer: 'not a url', audience: RESOURCE })).toThrow(TollgateConfigError);
    expect(() => tokenVerifier({ ...options(), issuer: undefined } as never)).toThrow(TollgateConfigError);
  });
});
