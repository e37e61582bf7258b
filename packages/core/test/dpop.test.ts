// DPoP (RFC 9449) in the verifier: every check of sections 4.3 and 7.1, nonces, the replay store and its
// failures, challenges, and the options' startup errors. Real keys, a real issuer on 127.0.0.1.
import { createHmac } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { calculateJwkThumbprint } from 'jose';
import { createDpopKey, createDpopProof, createTestIssuer, encodeJwt, type DpopKey, type DpopProofOptions, type TestIssuer } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMemoryReplayStore,
  createVerifier,
  DECISION_CHANNEL,
  type DecisionEvent,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  MissingTokenError,
  ReplayStoreUnavailableError,
  TollgateConfigError,
  TollgateError,
  UseDpopNonceError,
  type DpopOptions,
  type ReplayStore,
  type RequestLike,
  type Verifier,
  type VerifierOptions,
} from '../src/index.js';
import { synchronousEntryOf } from '../src/create-verifier.js';
import { createGuard, synchronousGuardOf } from '../src/guard.js';

const URL_ = 'https://api.example.test/orders';
const ALGS = 'ES256 ES384 ES512 PS256 RS256 EdDSA Ed25519';
const SECRET = 'a-nonce-secret-of-at-least-32-characters!';
const OTHER_SECRET = 'another-nonce-secret-of-32-characters-or-more';

let issuer: TestIssuer;
let key: DpopKey;
let otherKey: DpopKey;

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
  [key, otherKey] = await Promise.all([createDpopKey('ES256'), createDpopKey('ES256')]);
});
afterAll(async () => {
  await issuer.close();
});

function verifierWith(dpop?: DpopOptions | boolean, extra: Partial<VerifierOptions> = {}): Verifier {
  return createVerifier({
    issuer: issuer.issuer,
    audience: issuer.audience,
    keys: [issuer.keys[0]!.publicJwk],
    allowInsecureRequests: true,
    ...(dpop === undefined ? {} : { dpop }),
    ...extra,
  } as VerifierOptions);
}

/** A DPoP request: `Authorization: DPoP <token>` and the proof(s) given. */
function dpopRequest(token: string, proofs: string | string[] | undefined, init: { method?: string; url?: RequestLike['url']; scheme?: string } = {}): RequestLike {
  const list = proofs === undefined ? [] : typeof proofs === 'string' ? [proofs] : proofs;
  const authorization = `${init.scheme ?? 'DPoP'} ${token}`;
  const rawHeaders = ['Authorization', authorization, ...list.flatMap((proof) => ['DPoP', proof])];
  return {
    method: init.method ?? 'GET',
    url: Object.hasOwn(init, 'url') ? init.url : URL_,
    headers: { authorization, ...(list.length > 0 ? { dpop: list.join(', ') } : {}) },
    rawHeaders,
  };
}

const proofFor = (token: string, overrides: Partial<DpopProofOptions> = {}) => createDpopProof({ key, method: 'GET', url: URL_, token, ...overrides });
/** The proof with one bit of its signature flipped: well formed, but signed by nobody. */
function flipSignature(proof: string): string {
  const [header, payload, signature] = proof.split('.') as [string, string, string];
  const bytes = Buffer.from(signature, 'base64url');
  bytes[3] = bytes[3]! ^ 1;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
}
const boundToken = (claims: Record<string, unknown> = {}, to: DpopKey = key) => issuer.sign({ cnf: to.cnf, ...claims });

async function refusal(promise: Promise<unknown>): Promise<TollgateError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, 'the request must be refused').toBeInstanceOf(TollgateError);
  return error as TollgateError;
}

describe('DPoP: a valid request', () => {
  it('accepts a DPoP-bound token with its proof and says how it is bound', async () => {
    const verifier = verifierWith();
    const token = await boundToken({ scope: 'orders:read' });
    const accessToken = await verifier.authenticate(dpopRequest(token, proofFor(token)));
    expect(accessToken?.binding).toEqual({ kind: 'dpop', jkt: await calculateJwkThumbprint(key.publicJwk, 'sha256') });
    expect(accessToken?.scopes).toEqual(['orders:read']);
  });

  it('accepts a proof dated up to 60 seconds ahead (clock skew), and up to proofMaxAge old', async () => {
    const verifier = verifierWith();
    const now = () => Math.floor(Date.now() / 1000);
    for (const iat of [now() + 55, now() - 290]) {
      const token = await boundToken();
      await expect(verifier.authenticate(dpopRequest(token, proofFor(token, { iat }))), String(iat - now())).resolves.toBeDefined();
    }
  });

  it('accepts the scheme in any case, and every default proof algorithm', async () => {
    const verifier = verifierWith();
    for (const alg of ['ES256', 'ES384', 'ES512', 'PS256', 'RS256', 'EdDSA'] as const) {
      const client = await createDpopKey(alg);
      const token = await boundToken({}, client);
      const proof = createDpopProof({ key: client, method: 'GET', url: URL_, token });
      await expect(verifier.authenticate(dpopRequest(token, proof, { scheme: 'dpop' })), alg).resolves.toBeDefined();
    }
  });

  it('compares htu normalized: scheme and host case, default port, percent-encoding; query and fragment ignored', async () => {
    const verifier = verifierWith();
    const url = 'https://api.example.test/a~b/%c3%a9?x=1';
    for (const htu of ['HTTPS://API.Example.Test:443/a~b/%C3%A9', 'https://api.example.test/a%7Eb/%c3%a9', 'https://api.example.test/a~b/%C3%A9?y=2#f']) {
      const token = await boundToken();
      const proof = proofFor(token, { claims: { htu } });
      await expect(verifier.authenticate(dpopRequest(token, proof, { url })), htu).resolves.toBeDefined();
    }
  });

  it('takes the request URL from a function, called only for DPoP requests', async () => {
    const verifier = verifierWith();
    let calls = 0;
    const url = () => {
      calls += 1;
      return URL_;
    };
    const bearer = await issuer.sign();
    await verifier.authenticate({ method: 'GET', url, headers: { authorization: `Bearer ${bearer}` } });
    expect(calls).toBe(0);
    const token = await boundToken();
    await verifier.authenticate(dpopRequest(token, proofFor(token), { url }));
    expect(calls).toBe(1);
  });

  it('with publicUrl, checks htu against it and the request path, whatever host the request names', async () => {
    const verifier = verifierWith({ publicUrl: 'https://public.example.com/api/' });
    const token = await boundToken();
    const proof = createDpopProof({ key, method: 'POST', url: 'https://public.example.com/api/orders', token });
    await expect(verifier.authenticate(dpopRequest(token, proof, { method: 'POST', url: 'http://internal:8080/orders?x=1' }))).resolves.toBeDefined();
    const token2 = await boundToken();
    const proof2 = createDpopProof({ key, method: 'POST', url: 'https://public.example.com/api/orders', token: token2 });
    await expect(verifier.authenticate(dpopRequest(token2, proof2, { method: 'POST', url: '/orders' }))).resolves.toBeDefined();
    const token3 = await boundToken();
    const proof3 = createDpopProof({ key, method: 'POST', url: 'http://internal:8080/orders', token: token3 });
    expect((await refusal(verifier.authenticate(dpopRequest(token3, proof3, { method: 'POST', url: 'http://internal:8080/orders' })))).reason).toBe('dpop_url');
  });
});

describe('DPoP: each check of RFC 9449 section 4.3 refuses', () => {
  type Case = { name: string; build: (token: string) => RequestLike | Promise<RequestLike>; reason: string; status?: number; code?: string };
  const now = () => Math.floor(Date.now() / 1000);
  const cases: Case[] = [
    { name: 'no DPoP header', build: (t) => dpopRequest(t, undefined), reason: 'dpop_missing_proof' },
    { name: 'an empty DPoP header', build: (t) => dpopRequest(t, ''), reason: 'dpop_missing_proof' },
    { name: 'two DPoP headers', build: (t) => dpopRequest(t, [proofFor(t), proofFor(t)]), reason: 'dpop_multiple_proofs' },
    { name: 'two proofs joined in one header', build: (t) => ({ ...dpopRequest(t, `${proofFor(t)}, ${proofFor(t)}`), rawHeaders: undefined }), reason: 'dpop_multiple_proofs' },
    { name: 'a proof that is no JWS', build: (t) => dpopRequest(t, 'not-a-jwt'), reason: 'dpop_malformed_proof' },
    { name: 'a proof over the size bound', build: (t) => dpopRequest(t, proofFor(t, { claims: { pad: 'x'.repeat(9000) } })), reason: 'dpop_malformed_proof' },
    { name: 'typ JWT', build: (t) => dpopRequest(t, proofFor(t, { header: { typ: 'JWT' } })), reason: 'dpop_proof_type' },
    { name: 'no typ', build: (t) => dpopRequest(t, proofFor(t, { header: { typ: undefined } })), reason: 'dpop_proof_type' },
    { name: 'alg none', build: (t) => dpopRequest(t, proofFor(t, { header: { alg: 'none' }, signed: false })), reason: 'dpop_algorithm' },
    {
      name: 'an HS256 proof (keyed with the public JWK)',
      build: (t) => {
        const header = { typ: 'dpop+jwt', alg: 'HS256', jwk: key.publicJwk };
        const payload = { jti: 'hs', htm: 'GET', htu: URL_, iat: now() };
        const input = encodeJwt(header, payload).slice(0, -1);
        return dpopRequest(t, `${input}.${createHmac('sha256', JSON.stringify(key.publicJwk)).update(input).digest('base64url')}`);
      },
      reason: 'dpop_algorithm',
    },
    { name: 'a crit header', build: (t) => dpopRequest(t, proofFor(t, { header: { crit: ['x'], x: 1 } })), reason: 'dpop_malformed_proof' },
    { name: 'a private key in jwk', build: (t) => dpopRequest(t, proofFor(t, { header: { jwk: key.privateJwk } })), reason: 'dpop_key' },
    { name: 'no jwk', build: (t) => dpopRequest(t, proofFor(t, { header: { jwk: undefined } })), reason: 'dpop_key' },
    { name: 'a jwk of another curve than alg', build: (t) => dpopRequest(t, proofFor(t, { header: { alg: 'ES384' } })), reason: 'dpop_key' },
    { name: 'a symmetric jwk', build: (t) => dpopRequest(t, proofFor(t, { header: { jwk: { kty: 'oct', k: 'c2VjcmV0' } } })), reason: 'dpop_key' },
    // The binding is compared before the signature is checked, so a foreign jwk is a key mismatch.
    { name: 'signed by another key than its jwk', build: (t) => dpopRequest(t, proofFor(t, { header: { jwk: otherKey.publicJwk } })), reason: 'dpop_key_mismatch' },
    { name: 'a signature that does not verify', build: (t) => dpopRequest(t, flipSignature(proofFor(t))), reason: 'dpop_signature' },
    { name: 'htm of another method', build: (t) => dpopRequest(t, proofFor(t, { method: 'POST' })), reason: 'dpop_method' },
    { name: 'htm in lower case', build: (t) => dpopRequest(t, proofFor(t, { method: 'get' })), reason: 'dpop_method' },
    { name: 'htu of another host', build: (t) => dpopRequest(t, proofFor(t, { url: 'https://evil.example.test/orders' })), reason: 'dpop_url' },
    { name: 'htu of another path', build: (t) => dpopRequest(t, proofFor(t, { url: 'https://api.example.test/orders/1' })), reason: 'dpop_url' },
    { name: 'htu over http for an https request', build: (t) => dpopRequest(t, proofFor(t, { url: 'http://api.example.test/orders' })), reason: 'dpop_url' },
    { name: 'htu not a URL', build: (t) => dpopRequest(t, proofFor(t, { claims: { htu: 'orders' } })), reason: 'dpop_url' },
    { name: 'iat 301 seconds old', build: (t) => dpopRequest(t, proofFor(t, { iat: now() - 301 })), reason: 'dpop_iat' },
    { name: 'iat 301 seconds ahead', build: (t) => dpopRequest(t, proofFor(t, { iat: now() + 301 })), reason: 'dpop_iat' },
    // Review of issue 12, F4: a proof dated ahead is clock skew (up to 60 s), not a second proofMaxAge.
    { name: 'iat 61 seconds ahead', build: (t) => dpopRequest(t, proofFor(t, { iat: now() + 61 })), reason: 'dpop_iat' },
    { name: 'no iat', build: (t) => dpopRequest(t, proofFor(t, { claims: { iat: undefined } })), reason: 'dpop_iat' },
    { name: 'iat as a string', build: (t) => dpopRequest(t, proofFor(t, { claims: { iat: String(now()) } })), reason: 'dpop_iat' },
    { name: 'no jti', build: (t) => dpopRequest(t, proofFor(t, { claims: { jti: undefined } })), reason: 'dpop_jti' },
    { name: 'a jti of 257 characters', build: (t) => dpopRequest(t, proofFor(t, { jti: 'j'.repeat(257) })), reason: 'dpop_jti' },
    { name: 'no ath', build: (t) => dpopRequest(t, proofFor(t, { claims: { ath: undefined } })), reason: 'dpop_ath' },
    { name: 'ath of another token', build: async (t) => dpopRequest(t, proofFor(await issuer.sign({ cnf: key.cnf }))), reason: 'dpop_ath' },
  ];

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const verifier = verifierWith();
    const token = await boundToken();
    const error = await refusal(verifier.authenticate(await c.build(token)));
    expect({ name: error.name, status: error.status, code: error.code, reason: error.reason }).toEqual({
      name: 'InvalidDpopProofError',
      status: 401,
      code: 'invalid_dpop_proof',
      reason: c.reason,
    });
    expect(error.headers['WWW-Authenticate']).toMatch(new RegExp(`^Bearer realm="api", DPoP realm="api", error="invalid_dpop_proof", error_description="[^"]+", algs="${ALGS}"$`));
    // Nothing of the proof or the token comes back.
    expect(JSON.stringify({ body: error.toJSON(), headers: error.headers })).not.toContain(token.slice(0, 20));
  });

  it('refuses a proof of another key than the token is bound to (cnf.jkt)', async () => {
    const token = await boundToken({}, otherKey);
    const error = await refusal(verifierWith().authenticate(dpopRequest(token, proofFor(token))));
    expect([error.constructor, error.reason]).toEqual([InvalidDpopProofError, 'dpop_key_mismatch']);
  });

  it('refuses an unbound token sent with the DPoP scheme: invalid_token on the DPoP challenge', async () => {
    const token = await issuer.sign();
    const error = await refusal(verifierWith().authenticate(dpopRequest(token, proofFor(token))));
    expect([error.constructor, error.reason]).toEqual([InvalidTokenError, 'dpop_unbound_token']);
    expect(error.headers['WWW-Authenticate']).toBe(`Bearer realm="api", DPoP realm="api", error="invalid_token", error_description="token is not bound to a DPoP key", algs="${ALGS}"`);
  });

  it('refuses a certificate-bound token (cnf x5t#S256) with the DPoP scheme', async () => {
    const token = await issuer.sign({ cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0' } });
    expect((await refusal(verifierWith().authenticate(dpopRequest(token, proofFor(token))))).reason).toBe('dpop_unbound_token');
  });

  it('refuses a proof for an access token that fails verification, with the token error on the DPoP challenge', async () => {
    const token = await boundToken({ aud: 'https://other.example.test' });
    const error = await refusal(verifierWith().authenticate(dpopRequest(token, proofFor(token))));
    expect([error.reason, error.headers['WWW-Authenticate']]).toEqual(['audience', `Bearer realm="api", DPoP realm="api", error="invalid_token", error_description="audience mismatch", algs="${ALGS}"`]);
  });

  it('refuses a malformed DPoP Authorization line and a DPoP token also sent in the query (400)', async () => {
    const verifier = verifierWith();
    const token = await boundToken();
    const malformed = { ...dpopRequest(token, proofFor(token)), headers: { authorization: 'DPoP a b', dpop: proofFor(token) } };
    expect((await refusal(verifier.authenticate(malformed))).constructor).toBe(InvalidRequestError);
    const twice = { ...dpopRequest(token, proofFor(token)), query: { access_token: token } };
    const error = await refusal(verifier.authenticate(twice, { allowQuery: true }));
    expect([error.constructor, error.reason]).toEqual([InvalidRequestError, 'multiple_methods']);
  });

  it('fails closed when the integration gives no request URL or method (a configuration error, never a pass)', async () => {
    const token = await boundToken();
    await expect(verifierWith().authenticate(dpopRequest(token, proofFor(token), { url: undefined }))).rejects.toBeInstanceOf(TollgateConfigError);
  });
});

describe('DPoP: bearer tokens, cnf and required', () => {
  it('refuses a DPoP-bound token sent as a Bearer token (RFC 9449 section 7.2), with the DPoP challenge beside', async () => {
    const verifier = verifierWith();
    const token = await boundToken();
    for (let i = 0; i < 2; i += 1) {
      // The second time from the verified-token cache (the token passed once with its proof first).
      if (i === 1) await verifier.authenticate(dpopRequest(token, proofFor(token)));
      const error = await refusal(verifier.authenticate({ method: 'GET', url: URL_, headers: { authorization: `Bearer ${token}` } }));
      expect([error.reason, error.headers['WWW-Authenticate']]).toEqual([
        'sender_constrained',
        `Bearer realm="api", error="invalid_token", error_description="sender-constrained token used as a bearer token", DPoP realm="api", algs="${ALGS}"`,
      ]);
    }
  });

  it('refuses a DPoP-bound token given to verify() (no request, so no proof)', async () => {
    const error = await refusal(verifierWith().verify(await boundToken()));
    expect(error.reason).toBe('sender_constrained');
  });

  it('keeps plain Bearer challenges when dpop is not configured, and names both schemes when it is', async () => {
    const missing = await refusal(verifierWith().authenticate({ method: 'GET', headers: {} }));
    expect(missing.headers['WWW-Authenticate']).toBe('Bearer realm="api"');
    const configured = await refusal(verifierWith({}).authenticate({ method: 'GET', headers: {} }));
    expect(configured.headers['WWW-Authenticate']).toBe(`Bearer realm="api", DPoP realm="api", algs="${ALGS}"`);
    expect((await refusal(verifierWith(true).authenticate({ method: 'GET', headers: {} }))).headers['WWW-Authenticate']).toBe(configured.headers['WWW-Authenticate']);
  });

  it('required: refuses a bearer token, and challenges with DPoP only', async () => {
    const verifier = verifierWith({ required: true, algorithms: ['ES256'] });
    const error = await refusal(verifier.authenticate({ method: 'GET', headers: { authorization: `Bearer ${await issuer.sign()}` } }));
    expect([error.constructor, error.reason, error.headers['WWW-Authenticate']]).toEqual([
      InvalidTokenError,
      'dpop_required',
      'DPoP realm="api", error="invalid_token", error_description="DPoP-bound token required", algs="ES256"',
    ]);
    const missing = await refusal(verifier.authenticate({ method: 'GET', headers: {} }));
    expect([missing.constructor, missing.headers['WWW-Authenticate']]).toEqual([MissingTokenError, 'DPoP realm="api", algs="ES256"']);
    const token = await boundToken();
    await expect(verifier.authenticate(dpopRequest(token, proofFor(token)))).resolves.toBeDefined();
  });

  it('dpop: false answers the DPoP scheme like any other scheme and refuses bound tokens', async () => {
    const verifier = verifierWith(false);
    const token = await boundToken();
    const error = await refusal(verifier.authenticate(dpopRequest(token, proofFor(token))));
    expect([error.reason, error.headers['WWW-Authenticate']]).toEqual(['unsupported_scheme', 'Bearer realm="api"']);
    expect((await refusal(verifier.authenticate({ method: 'GET', headers: { authorization: `Bearer ${token}` } }))).reason).toBe('sender_constrained');
  });

  it('algorithms: a proof alg outside the allow-list is refused', async () => {
    const verifier = verifierWith({ algorithms: ['EdDSA'] });
    const token = await boundToken();
    expect((await refusal(verifier.authenticate(dpopRequest(token, proofFor(token))))).reason).toBe('dpop_algorithm');
  });
});

describe('DPoP: the synchronous fast path', () => {
  it('never answers a DPoP request synchronously, though its token is cached: the proof and the replay claim run every time', async () => {
    const verifier = verifierWith();
    const token = await boundToken();
    await verifier.authenticate(dpopRequest(token, proofFor(token)));
    const now = synchronousEntryOf(verifier)!;
    const guardNow = synchronousGuardOf(createGuard(verifier))!;
    const replayed = proofFor(token);
    const first = now(dpopRequest(token, replayed));
    expect(typeof (first as Promise<unknown>).then).toBe('function');
    await first;
    // The same proof again, through the guard's synchronous form: a promise, and a refusal.
    const second = guardNow(dpopRequest(token, replayed), {});
    expect(typeof (second as Promise<unknown>).then).toBe('function');
    expect((await refusal(Promise.resolve(second))).reason).toBe('dpop_replay');
    // A cached bearer token still answers synchronously.
    const bearer = await issuer.sign();
    await verifier.authenticate({ method: 'GET', headers: { authorization: `Bearer ${bearer}` } });
    expect(now({ method: 'GET', headers: { authorization: `Bearer ${bearer}` } })).toMatchObject({ binding: { kind: 'none' } });
  });
});

describe('DPoP: replay protection', () => {
  it('refuses a proof used twice, though the access token is served from the cache', async () => {
    const verifier = verifierWith();
    const token = await boundToken();
    const proof = proofFor(token);
    await verifier.authenticate(dpopRequest(token, proof));
    const error = await refusal(verifier.authenticate(dpopRequest(token, proof)));
    expect([error.constructor, error.reason, error.description]).toEqual([InvalidDpopProofError, 'dpop_replay', 'DPoP proof replayed']);
    // A fresh proof for the same (cached) token passes; a bad one is refused: the proof is checked every time.
    await expect(verifier.authenticate(dpopRequest(token, proofFor(token)))).resolves.toBeDefined();
    expect((await refusal(verifier.authenticate(dpopRequest(token, proofFor(token, { method: 'PUT' }))))).reason).toBe('dpop_method');
  });

  it('refuses one of two concurrent uses of a proof', async () => {
    const verifier = verifierWith();
    const token = await boundToken();
    const proof = proofFor(token);
    const results = await Promise.allSettled([verifier.authenticate(dpopRequest(token, proof)), verifier.authenticate(dpopRequest(token, proof))]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('claims the jti only after every other check passed, for the proof window', async () => {
    const claims: Array<[string, number]> = [];
    const store: ReplayStore = {
      claim(key, ttl) {
        claims.push([key, ttl]);
        return true;
      },
    };
    const verifier = verifierWith({ replay: store, proofMaxAge: 60 });
    const token = await boundToken();
    await refusal(verifier.authenticate(dpopRequest(token, proofFor(token, { method: 'POST' }))));
    await refusal(verifier.authenticate(dpopRequest(await boundToken({}, otherKey), proofFor(token))));
    expect(claims).toEqual([]);
    await verifier.authenticate(dpopRequest(token, proofFor(token, { jti: 'the-jti' })));
    expect(claims).toHaveLength(1);
    expect(claims[0]![0]).toMatch(/^dpop:[A-Za-z0-9_-]{43}$/);
    expect(claims[0]![0]).not.toContain('the-jti');
    // The proof window, plus the verifier's clock tolerance (5 s) for another instance whose clock runs ahead.
    expect(claims[0]![1]).toBeGreaterThanOrEqual(65);
    expect(claims[0]![1]).toBeLessThanOrEqual(67);
  });

  const failing: Array<[string, ReplayStore['claim'], number]> = [
    ['throws', () => { throw new Error('down'); }, 5],
    ['rejects', () => Promise.reject(new Error('down')), 5],
    ['answers no boolean', () => 'OK' as unknown as boolean, 5],
    ['answers a promise of no boolean', () => Promise.resolve(1 as unknown as boolean), 5],
    ['takes longer than a second', () => new Promise<boolean>(() => undefined), 5],
  ];
  it.each(failing)('a store that %s: 503 with Retry-After, never a pass', async (_name, claim, retryAfter) => {
    const verifier = verifierWith({ replay: { claim } });
    const token = await boundToken();
    const started = Date.now();
    const error = await refusal(verifier.authenticate(dpopRequest(token, proofFor(token))));
    expect(Date.now() - started).toBeLessThan(2500);
    expect([error.constructor, error.status, error.reason, error.headers['Retry-After']]).toEqual([ReplayStoreUnavailableError, 503, 'replay_store_unavailable', String(retryAfter)]);
    expect(error.headers['WWW-Authenticate']).toBe(`Bearer realm="api", DPoP realm="api", error="temporarily_unavailable", error_description="DPoP replay protection is temporarily unavailable", algs="${ALGS}"`);
  });

  it('a full in-memory store: 503 with the Retry-After of its oldest key', async () => {
    const verifier = verifierWith({ replay: createMemoryReplayStore({ maxEntries: 1 }), proofMaxAge: 30 });
    const token = await boundToken();
    await verifier.authenticate(dpopRequest(token, proofFor(token)));
    const error = await refusal(verifier.authenticate(dpopRequest(token, proofFor(token))));
    expect(error.constructor).toBe(ReplayStoreUnavailableError);
    expect(Number(error.headers['Retry-After'])).toBeGreaterThanOrEqual(30);
  });

  it('replay: false accepts a proof twice (documented; allowed only with a short proofMaxAge)', async () => {
    const verifier = verifierWith({ replay: false, proofMaxAge: 30 });
    const token = await boundToken();
    const proof = proofFor(token);
    await verifier.authenticate(dpopRequest(token, proof));
    await expect(verifier.authenticate(dpopRequest(token, proof))).resolves.toBeDefined();
  });
});

describe('DPoP: server nonces', () => {
  const nonceOf = (error: TollgateError) => error.headers['DPoP-Nonce']!;

  it('asks for a nonce (use_dpop_nonce with DPoP-Nonce), then accepts the proof that carries it', async () => {
    const verifier = verifierWith({ nonce: { secret: SECRET } });
    const token = await boundToken();
    const error = await refusal(verifier.authenticate(dpopRequest(token, proofFor(token))));
    expect([error.constructor, error.status, error.code, error.reason]).toEqual([UseDpopNonceError, 401, 'use_dpop_nonce', 'dpop_nonce']);
    expect(error.headers['WWW-Authenticate']).toBe(`Bearer realm="api", DPoP realm="api", error="use_dpop_nonce", error_description="DPoP proof must carry a current server nonce", algs="${ALGS}"`);
    expect(nonceOf(error)).toMatch(/^[A-Za-z0-9_-]{50}$/);
    await expect(verifier.authenticate(dpopRequest(token, proofFor(token, { nonce: nonceOf(error) })))).resolves.toBeDefined();
  });

  it('any instance with the same secrets accepts the nonce; rotation: the first secret issues, all accept', async () => {
    const token = await boundToken();
    const first = verifierWith({ nonce: { secret: SECRET } });
    const nonce = nonceOf(await refusal(first.authenticate(dpopRequest(token, proofFor(token)))));
    await expect(verifierWith({ nonce: { secret: SECRET } }).authenticate(dpopRequest(token, proofFor(token, { nonce })))).resolves.toBeDefined();
    await expect(verifierWith({ nonce: { secret: [OTHER_SECRET, SECRET] } }).authenticate(dpopRequest(token, proofFor(token, { nonce })))).resolves.toBeDefined();
    const other = await refusal(verifierWith({ nonce: { secret: OTHER_SECRET } }).authenticate(dpopRequest(token, proofFor(token, { nonce }))));
    expect(other.reason).toBe('dpop_nonce');
  });

  it('refuses an expired, a forged and a tampered nonce', async () => {
    let ms = Date.now();
    const verifier = verifierWith({ nonce: { secret: SECRET, lifetime: 60 } }, { now: () => ms });
    const token = await boundToken();
    const nonce = nonceOf(await refusal(verifier.authenticate(dpopRequest(token, proofFor(token)))));
    const tampered = `${nonce.slice(0, 20)}${nonce[20] === 'A' ? 'B' : 'A'}${nonce.slice(21)}`;
    for (const bad of [tampered, 'x'.repeat(50), '', 42]) {
      expect((await refusal(verifier.authenticate(dpopRequest(token, proofFor(token, { claims: { nonce: bad } })))))).toBeInstanceOf(UseDpopNonceError);
    }
    ms += 61_000;
    expect(await refusal(verifier.authenticate(dpopRequest(token, proofFor(token, { nonce, iat: Math.floor(ms / 1000) })))).then((e) => e.reason)).toBe('dpop_nonce');
  });
});

describe('DPoP: options fail closed at startup', () => {
  const startupErrors: Array<[string, unknown, RegExp]> = [
    ['an empty algorithms list', { algorithms: [] }, /dpop\.algorithms: must allow at least one algorithm/],
    ['HS256', { algorithms: ['HS256'] }, /dpop\.algorithms\.0: 'HS256' is symmetric/],
    ['none', { algorithms: ['none'] }, /dpop\.algorithms\.0: 'none' is never allowed/],
    ['an unknown algorithm', { algorithms: ['ES257'] }, /not supported/],
    ['a short nonce secret', { nonce: { secret: 'short' } }, /dpop\.nonce\.secret: .*at least 32 characters/],
    ['an empty list of secrets', { nonce: { secret: [] } }, /dpop\.nonce/],
    ['a secret listed twice', { nonce: { secret: [SECRET, SECRET] } }, /listed twice/],
    ['nonce: true (no secret)', { nonce: true }, /dpop\.nonce: expected false or \{ secret, lifetime\? \}/],
    ['a nonce lifetime of 1 second', { nonce: { secret: SECRET, lifetime: 1 } }, /from 10 seconds to 1 hour/],
    ['a replay store without claim()', { replay: {} }, /dpop\.replay: expected a ReplayStore/],
    ['replay: true', { replay: true }, /dpop\.replay: expected a ReplayStore/],
    ['replay: null', { replay: null }, /dpop\.replay/],
    ['replay: false with the default proofMaxAge', { replay: false }, /dpop\.replay: false leaves captured proofs usable/],
    ['proofMaxAge 0', { proofMaxAge: 0 }, /dpop\.proofMaxAge: must be from 1 second to 1 hour/],
    ['proofMaxAge 2h', { proofMaxAge: '2h' }, /dpop\.proofMaxAge: must be from 1 second to 1 hour/],
    ['required as a string', { required: 'yes' }, /dpop\.required: must be true or false/],
    ['a misspelt member', { requried: true }, /dpop/],
    ['a publicUrl with a query', { publicUrl: 'https://api.example.com/?x=1' }, /dpop\.publicUrl: must be a base URL/],
    ['a relative publicUrl', { publicUrl: 'api.example.com' }, /dpop\.publicUrl: must be an absolute URL/],
    ['dpop as a string', 'on', /dpop: expected true, false, or/],
  ];
  it.each(startupErrors)('%s', (_name, dpop, message) => {
    expect(() => verifierWith(dpop as DpopOptions)).toThrow(TollgateConfigError);
    expect(() => verifierWith(dpop as DpopOptions)).toThrow(message);
  });

  it('resolves the defaults, and never shares the default replay store between verifiers', () => {
    const a = verifierWith().options.dpop!;
    const b = verifierWith().options.dpop!;
    expect(a.replay).not.toBe(b.replay);
    expect(Object.isFrozen(a)).toBe(true);
    expect(verifierWith(false).options.dpop).toBeUndefined();
    expect(verifierWith({ nonce: { secret: [OTHER_SECRET, SECRET], lifetime: '2m' }, publicUrl: 'https://x.example/api/' }).options.dpop).toMatchObject({
      configured: true,
      nonce: { secrets: [OTHER_SECRET, SECRET], lifetime: 120 },
      publicUrl: 'https://x.example/api',
    });
  });
});

describe('DPoP: audit events', () => {
  it('publish the reason of a replay and of a replay store outage, never the proof', async () => {
    const events: DecisionEvent[] = [];
    const listener = (event: unknown) => events.push(event as DecisionEvent);
    subscribe(DECISION_CHANNEL, listener);
    try {
      const token = await boundToken();
      const proof = proofFor(token);
      const verifier = verifierWith();
      await verifier.authenticate(dpopRequest(token, proof));
      await refusal(verifier.authenticate(dpopRequest(token, proof)));
      await refusal(verifierWith({ replay: { claim: () => Promise.reject(new Error('redis down')) } }).authenticate(dpopRequest(token, proofFor(token))));
    } finally {
      unsubscribe(DECISION_CHANNEL, listener);
    }
    expect(events.map((event) => [event.outcome, 'reason' in event ? event.reason : undefined, 'status' in event ? event.status : undefined])).toEqual([
      ['accepted', undefined, undefined],
      ['rejected', 'dpop_replay', 401],
      ['rejected', 'replay_store_unavailable', 503],
    ]);
    expect(JSON.stringify(events)).not.toMatch(/eyJ/);
  });
});
