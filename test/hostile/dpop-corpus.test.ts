// Runs every case of the hostile DPoP corpus (test/hostile/dpop-corpus.json) through every adapter over real
// HTTP on 127.0.0.1, with real keys: malformed proofs, DPoP headers and Authorization lines, broken
// signatures and keys, claims of every wrong type, and replays of an accepted proof in other spellings.
// Each must be refused with its status and code (never a 500, never a hang), without echoing the token
// or the proof; a replay is never accepted twice.
import { createHmac, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { exportJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDpopKey, createDpopProof, createTestIssuer, type DpopKey, type TestIssuer } from '@tollgate/testing';
import { send, type SendRequest } from '../conformance/http.js';
import { FRAMEWORKS, hostileSpec, listen, REALM, responseLeaks, type RunningApp } from './hostile-apps.js';

/** How the proof of a case is signed. */
type SignMode = 'valid' | 'none' | 'garbage' | 'other-key' | 'hmac' | 'der' | 'flip' | 'truncate' | 'rsa1024';

interface DpopCase {
  id: string;
  /** Header members merged over `{ typ, alg: ES256, jwk }`; `"$omit"` removes one; `$privateJwk` etc. expanded. */
  header?: Record<string, unknown>;
  /** Claims merged over `{ jti, htm: GET, htu, iat, ath }`; `"$omit"` removes one. */
  claims?: Record<string, unknown>;
  /** The header or payload segment as raw JSON text (base64url-encoded by the runner). */
  headerJson?: string;
  payloadJson?: string;
  sign?: SignMode;
  /** The DPoP header lines sent (default `[["DPoP", "$proof"]]`); `$proof` is the built proof. */
  dpopHeaders?: [string, string][];
  /** The Authorization value (default `DPoP $token`). */
  authorization?: string;
  /** Claims of the access token (merged over the issuer's defaults plus `cnf` of the client key); `"$omit"` removes one. */
  token?: Record<string, unknown>;
  /** The proof is first sent as is and accepted; then the case's request (the same proof, respelled) must be refused. */
  replay?: boolean;
  expect: { status: number; code: string | null };
  why: string;
}

const corpus = JSON.parse(readFileSync(new URL('./dpop-corpus.json', import.meta.url), 'utf8')) as { cases: DpopCase[] };
const cases = corpus.cases;

let issuer: TestIssuer;
let key: DpopKey;
let otherKey: DpopKey;
let rsa1024: { privateKey: KeyObject; jwk: JWK };

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
  [key, otherKey] = await Promise.all([createDpopKey('ES256'), createDpopKey('ES256')]);
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
  rsa1024 = { privateKey: weak.privateKey, jwk: await exportJWK(weak.publicKey) };
});
afterAll(async () => {
  await issuer?.close();
});

it('the corpus holds at least 80 cases with unique ids, each saying why', () => {
  expect(cases.length).toBeGreaterThanOrEqual(80);
  expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  for (const c of cases) expect(c.why.length, c.id).toBeGreaterThan(10);
});

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** Replaces `$name` placeholders (whole strings) and drops `"$omit"` members. */
function expand(value: unknown, vars: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    if (Object.hasOwn(vars, value)) return vars[value];
    return value.replace(/\$(origin|now|host|past|future)/g, (_m, name: string) => String(vars[`$${name}`]));
  }
  if (Array.isArray(value)) return value.map((item) => expand(item, vars));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(value)) {
      const expanded = expand(member, vars);
      if (expanded !== '$omit') Object.defineProperty(out, name, { value: expanded, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** Builds the proof of a case for GET /me on `origin`, for `token`. */
function buildProof(c: DpopCase, origin: string, token: string): string {
  const now = Math.floor(Date.now() / 1000);
  const vars: Record<string, unknown> = { $origin: origin, $host: new URL(origin).host, $now: now, $past: now - 301, $future: now + 301, $jwk: key.publicJwk, $privateJwk: key.privateJwk, $otherJwk: otherKey.publicJwk, $rsa1024Jwk: rsa1024.jwk };
  const base = createDpopProof({ key, method: 'GET', url: `${origin}/me`, token, iat: now });
  const [baseHeader, basePayload] = base.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part!, 'base64url').toString('utf8')) as Record<string, unknown>);
  const headerSegment = c.headerJson !== undefined ? b64(c.headerJson) : b64(JSON.stringify(expand({ ...baseHeader, ...c.header }, vars)));
  const payloadSegment = c.payloadJson !== undefined ? b64(c.payloadJson) : b64(JSON.stringify(expand({ ...basePayload, ...c.claims }, vars)));
  const input = `${headerSegment}.${payloadSegment}`;
  const data = Buffer.from(input, 'ascii');
  const es256 = (signer: DpopKey) => sign('sha256', data, { key: KeyObject.from(signer.privateKey), dsaEncoding: 'ieee-p1363' });
  switch (c.sign ?? 'valid') {
    case 'valid':
      return `${input}.${es256(key).toString('base64url')}`;
    case 'none':
      return `${input}.`;
    case 'garbage':
      return `${input}.AAAA`;
    case 'other-key':
      return `${input}.${es256(otherKey).toString('base64url')}`;
    case 'hmac':
      return `${input}.${createHmac('sha256', JSON.stringify(key.publicJwk)).update(input).digest('base64url')}`;
    case 'der':
      return `${input}.${sign('sha256', data, { key: KeyObject.from(key.privateKey), dsaEncoding: 'der' }).toString('base64url')}`;
    case 'flip': {
      const signature = es256(key);
      signature[5] = signature[5]! ^ 1;
      return `${input}.${signature.toString('base64url')}`;
    }
    case 'truncate':
      return `${input}.${es256(key).subarray(0, 32).toString('base64url')}`;
    case 'rsa1024':
      return `${input}.${sign('sha256', data, rsa1024.privateKey).toString('base64url')}`;
  }
}

/** The request of a case: `$proof` and `$token` expanded in its header lines. */
function requestOf(c: DpopCase, proof: string, token: string): SendRequest {
  const fill = (text: string) => text.replaceAll('$proof', proof).replaceAll('$token', token);
  const dpopHeaders = c.dpopHeaders ?? [['DPoP', '$proof']];
  return { path: '/me', headers: [['Authorization', fill(c.authorization ?? 'DPoP $token')], ...dpopHeaders.map(([name, value]) => [name, fill(value)] as const)] };
}

/** Sends `head` (a request line and headers, without the blank line) byte for byte; resolves the status code. */
function sendRawHead(port: number, head: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // write, not end: a half-closed socket may be dropped before the (asynchronous) answer is written.
    const socket = connect(port, '127.0.0.1', () => socket.write(`${head}\r\n\r\n`));
    const chunks: Buffer[] = [];
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'))?.[1] ?? 0)));
  });
}

describe.each(FRAMEWORKS.map((fw) => [fw.name, fw] as const))('%s', (_name, fw) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await listen(await fw.build(hostileSpec({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, allowInsecureRequests: true, realm: REALM })));
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const origin = `http://127.0.0.1:${app.port}`;
    const claims = expand({ cnf: key.cnf, ...c.token }, {}) as Record<string, unknown>;
    const token = await issuer.sign(claims);
    const proof = buildProof(c, origin, token);
    if (c.replay) {
      const first = await send(app.port, { path: '/me', headers: [['Authorization', `DPoP ${token}`], ['DPoP', proof]] });
      expect(first.status, 'the first use of the proof is accepted').toBe(200);
    }
    const started = Date.now();
    const response = await send(app.port, requestOf(c, proof, token));
    expect(Date.now() - started, 'answered in time').toBeLessThan(2_000);
    let body: { error?: string } = {};
    try {
      body = JSON.parse(response.text) as { error?: string };
    } catch {
      // Checked below: every refusal has a JSON body.
    }
    expect({ status: response.status, code: body.error ?? null }, c.why).toEqual(c.expect);
    expect(responseLeaks(response, [token, proof]), 'nothing of the token or proof comes back').toEqual([]);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  // The request URL comes from the Host header: a request without one, or with one that names no host,
  // must be refused like a proof for another URL, never answered 500.
  it.each([
    ['HTTP/1.0 without a Host header', 'GET /me HTTP/1.0'],
    ['a Host header that is no host name', 'GET /me HTTP/1.1\r\nHost: a b'],
    ['a Host header with a path', 'GET /me HTTP/1.1\r\nHost: 127.0.0.1/x'],
  ])('a valid proof with %s: refused, never a 500', async (_what, requestHead) => {
    const token = await issuer.sign({ cnf: key.cnf });
    const proof = createDpopProof({ key, method: 'GET', url: `http://127.0.0.1:${app.port}/me`, token });
    const status = await sendRawHead(app.port, `${requestHead}\r\nConnection: close\r\nAuthorization: DPoP ${token}\r\nDPoP: ${proof}`);
    // 400 when the framework refuses the request itself, 401 (the htu matches no URL) otherwise.
    expect([400, 401]).toContain(status);
  });
});
