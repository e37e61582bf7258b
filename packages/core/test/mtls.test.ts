// mTLS certificate-bound tokens (RFC 8705 section 3) in the verifier: the cnf, the TLS socket, each proxy header
// format, verify() with a certificate, cached tokens, audit events and the option's startup errors. Real
// certificates made at test time, a real issuer, real TLS connections on 127.0.0.1.
import { once } from 'node:events';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { certificateThumbprint, createDpopKey, createDpopProof, createTestCertificates, createTestIssuer, type TestCertificate, type TestCertificates, type TestIssuer } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createVerifier,
  DECISION_CHANNEL,
  InvalidTokenError,
  TollgateConfigError,
  TollgateError,
  verifyToken,
  type DecisionEvent,
  type MtlsOptions,
  type RequestLike,
  type Verifier,
  type VerifierOptions,
} from '../src/index.js';
import { synchronousEntryOf } from '../src/create-verifier.js';
import { MAX_CERTIFICATE_HEADER_LENGTH } from '../src/lib/mtls/read-client-certificate.js';

let issuer: TestIssuer;
let certs: TestCertificates;
let other: TestCertificate;
let selfSigned: TestCertificate;

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
  certs = await createTestCertificates();
  [other, selfSigned] = await Promise.all([certs.createClient({ commonName: 'other' }), certs.createClient({ commonName: 'self', selfSigned: true })]);
});
afterAll(async () => {
  await issuer.close();
});

function options(mtls?: MtlsOptions | false, extra: Partial<VerifierOptions> = {}): VerifierOptions {
  return { issuer: issuer.issuer, audience: issuer.audience, keys: [issuer.keys[0]!.publicJwk], allowInsecureRequests: true, ...(mtls === undefined ? {} : { mtls }), ...extra };
}
const verifierWith = (mtls?: MtlsOptions | false, extra?: Partial<VerifierOptions>): Verifier => createVerifier(options(mtls, extra));

async function refusal(promise: Promise<unknown>): Promise<TollgateError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, 'the request must be refused').toBeInstanceOf(TollgateError);
  return error as TollgateError;
}

const bound = (certificate: TestCertificate = certs.client) => issuer.sign({ cnf: certificate.cnf });
const bearerRequest = (token: string, headers: Record<string, string | string[]> = {}, rawHeaders?: string[]): RequestLike => ({
  headers: { authorization: `Bearer ${token}`, ...headers },
  rawHeaders: rawHeaders ?? ['Authorization', `Bearer ${token}`, ...Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value.flatMap((v) => [name, v]) : [name, value]))],
  method: 'GET',
});

describe('the cnf claim', () => {
  it('reads cnf x5t#S256 as a certificate binding, which verify() refuses without the certificate', async () => {
    const token = await bound();
    const error = await refusal(verifierWith().verify(token));
    expect([error.constructor, error.status, error.reason]).toEqual([InvalidTokenError, 401, 'mtls_missing_certificate']);
    expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="certificate-bound token requires the client certificate it is bound to"');
  });

  it.each([
    ['both jkt and x5t#S256', { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I', 'x5t#S256': 'placeholder' }],
    ['an x5t#S256 that is not canonical base64url (last character)', { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' }],
    ['an x5t#S256 of the wrong length', { 'x5t#S256': 'AAAA' }],
    ['an x5t#S256 that is no string', { 'x5t#S256': 42 }],
    ['x5t (SHA-1) instead of x5t#S256', { x5t: 'placeholder' }],
    ['an unknown member', { 'x5t#S512': 'placeholder' }],
  ])('refuses a cnf with %s, whatever certificate comes with it', async (_name, cnf) => {
    const filled = Object.fromEntries(Object.entries(cnf).map(([k, v]) => [k, v === 'placeholder' ? certs.client.thumbprint : v]));
    const token = await issuer.sign({ cnf: filled });
    expect((await refusal(verifierWith().verify(token, { certificate: certs.client.certificate }))).reason).toBe('sender_constrained');
  });

  it('mtls: false refuses every certificate-bound token, with its certificate too', async () => {
    const token = await bound();
    expect((await refusal(verifierWith(false).verify(token, { certificate: certs.client.certificate }))).reason).toBe('sender_constrained');
    await expect(verifierWith(false).verify(await issuer.sign())).resolves.toMatchObject({ binding: { kind: 'none' } });
  });
});

describe('verify() and verifyToken() with a certificate', () => {
  it('accepts the certificate the token names, as an X509Certificate, DER bytes or PEM', async () => {
    const token = await bound();
    const verifier = verifierWith();
    for (const certificate of [certs.client.certificate, certs.client.der, new Uint8Array(certs.client.der), certs.client.pem]) {
      const accessToken = await verifier.verify(token, { certificate });
      expect(accessToken.binding).toEqual({ kind: 'mtls', x5tS256: certs.client.thumbprint });
    }
    await expect(verifyToken(token, options(), { certificate: certs.client.pem })).resolves.toMatchObject({ binding: { kind: 'mtls' } });
  });

  it('refuses another certificate, a malformed one, and none, the token cached or not', async () => {
    const token = await bound();
    const verifier = verifierWith();
    expect((await refusal(verifier.verify(token, { certificate: other.certificate }))).reason).toBe('mtls_certificate_mismatch');
    await verifier.verify(token, { certificate: certs.client.der });
    // Now cached: every call still checks the certificate.
    expect((await refusal(verifier.verify(token, { certificate: other.der }))).reason).toBe('mtls_certificate_mismatch');
    expect((await refusal(verifier.verify(token))).reason).toBe('mtls_missing_certificate');
    expect((await refusal(verifier.verify(token, { certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }))).reason).toBe('mtls_malformed_certificate');
    expect((await refusal(verifier.verify(token, { certificate: `${certs.client.pem}${other.pem}` }))).reason).toBe('mtls_malformed_certificate');
    expect((await refusal(verifier.verify(token, { certificate: Buffer.from('not a certificate') }))).reason).toBe('mtls_malformed_certificate');
    // DER whose outer SEQUENCE does not span exactly the bytes: trailing bytes, truncated, indefinite length.
    expect((await refusal(verifier.verify(token, { certificate: Buffer.concat([certs.client.der, Buffer.from([0])]) }))).reason).toBe('mtls_malformed_certificate');
    expect((await refusal(verifier.verify(token, { certificate: certs.client.der.subarray(0, certs.client.der.length - 1) }))).reason).toBe('mtls_malformed_certificate');
    expect((await refusal(verifier.verify(token, { certificate: Buffer.from([0x30, 0x80, 0x30, 0x00, 0x00, 0x00]) }))).reason).toBe('mtls_malformed_certificate');
    expect((await refusal(verifier.verify(token, { certificate: 42 as unknown as string }))).reason).toBe('mtls_malformed_certificate');
    expect((await refusal(verifyToken(token, options(), { certificate: other.pem }))).reason).toBe('mtls_certificate_mismatch');
  });

  it('leaves a bearer token alone when a certificate is given', async () => {
    await expect(verifierWith().verify(await issuer.sign(), { certificate: other.pem })).resolves.toMatchObject({ binding: { kind: 'none' } });
  });

  it('thumbprints agree with certificateThumbprint of @tollgate/testing', () => {
    expect(certificateThumbprint(certs.client.pem)).toBe(certs.client.thumbprint);
    expect(certificateThumbprint(certs.client.der)).toBe(certs.client.thumbprint);
    expect(certs.client.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

/** An HTTPS server on 127.0.0.1 whose one route answers with the verifier's decision about the request. */
async function tlsServer(verifier: Verifier) {
  const server = createServer(certs.serverOptions(), (req, res) => {
    verifier.authenticate({ headers: req.headers, rawHeaders: req.rawHeaders, method: req.method, socket: req.socket }).then(
      (token) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(token?.binding ?? null));
      },
      (error: unknown) => {
        const refused = error as TollgateError;
        res.writeHead(refused.status ?? 500, { ...refused.headers, 'x-reason': String(refused.reason) }).end();
      },
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const get = (token: string, client: TestCertificate | undefined, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; reason: string | undefined; body: string; challenge: string | undefined }>((resolve, reject) => {
      // A fresh connection each time (agent: false): the certificate is the connection's.
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/', agent: false, headers: { authorization: `Bearer ${token}`, ...headers }, ...certs.clientOptions(client) }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, reason: res.headers['x-reason'] as string | undefined, body, challenge: res.headers['www-authenticate'] as string | undefined }));
      });
      req.on('error', reject);
      req.end();
    });
  return { get, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('the TLS client certificate (no proxy header configured)', () => {
  it('accepts a bound token on a connection with its certificate; refuses another certificate and none', async () => {
    const server = await tlsServer(verifierWith());
    try {
      const token = await bound();
      const right = await server.get(token, certs.client);
      expect([right.status, JSON.parse(right.body)]).toEqual([200, { kind: 'mtls', x5tS256: certs.client.thumbprint }]);
      expect(await server.get(token, other)).toMatchObject({ status: 401, reason: 'mtls_certificate_mismatch', challenge: expect.stringContaining('error="invalid_token"') });
      expect(await server.get(token, undefined)).toMatchObject({ status: 401, reason: 'mtls_missing_certificate' });
      // A bearer token is unaffected by the certificate, or its absence.
      const bearer = await issuer.sign();
      expect((await server.get(bearer, undefined)).status).toBe(200);
      expect((await server.get(bearer, other)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('reads the certificate on a resumed TLS session too (TLS 1.2 and 1.3)', async () => {
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      const verifier = verifierWith();
      const server = createServer({ ...certs.serverOptions(), maxVersion }, (req, res) => {
        verifier.authenticate({ headers: req.headers, method: req.method, socket: req.socket }).then(
          () => res.writeHead(200, { 'x-reused': String((req.socket as import('node:tls').TLSSocket).isSessionReused()) }).end(),
          () => res.writeHead(401, { 'x-reused': String((req.socket as import('node:tls').TLSSocket).isSessionReused()) }).end(),
        );
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      const { Agent } = await import('node:https');
      // A new connection per request, resuming the first one's session from the agent's cache.
      const agent = new Agent({ keepAlive: false, maxCachedSessions: 10 });
      const token = await bound();
      const outcomes: string[] = [];
      try {
        for (let i = 0; i < 3; i += 1) {
          outcomes.push(
            await new Promise<string>((resolve, reject) => {
              const req = httpsRequest({ host: '127.0.0.1', port, path: '/', agent, headers: { authorization: `Bearer ${token}` }, ...certs.clientOptions(certs.client) }, (res) => {
                res.resume();
                res.on('end', () => resolve(`${res.statusCode} ${String(res.headers['x-reused'])}`));
              });
              req.on('error', reject);
              req.end();
            }),
          );
          // Let the client store the session (a TLS 1.3 ticket arrives after the handshake).
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        agent.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      expect(outcomes[0]).toBe('200 false');
      expect(outcomes.slice(1)).toContain('200 true');
      expect(outcomes.every((outcome) => outcome.startsWith('200'))).toBe(true);
    }
  });

  it('binds to a self-signed client certificate the CA never issued (RFC 8705 section 2.2)', async () => {
    const server = await tlsServer(verifierWith());
    try {
      expect((await server.get(await bound(selfSigned), selfSigned)).status).toBe(200);
      expect((await server.get(await bound(selfSigned), certs.client)).reason).toBe('mtls_certificate_mismatch');
    } finally {
      await server.close();
    }
  });

  it('never reads a certificate header when none is configured', async () => {
    const server = await tlsServer(verifierWith());
    try {
      const token = await bound();
      const forged = { 'x-client-cert': encodeURIComponent(certs.client.pem), 'x-forwarded-client-cert': `Hash=${Buffer.from(certs.client.thumbprint, 'base64url').toString('hex')}` };
      expect(await server.get(token, undefined, forged)).toMatchObject({ status: 401, reason: 'mtls_missing_certificate' });
    } finally {
      await server.close();
    }
  });

  it('ignores the socket certificate when a proxy header is configured (the proxy terminates TLS)', async () => {
    const server = await tlsServer(verifierWith({ certificateHeader: { name: 'X-Client-Cert', format: 'pem-urlencoded' } }));
    try {
      const token = await bound();
      expect(await server.get(token, certs.client)).toMatchObject({ status: 401, reason: 'mtls_missing_certificate' });
      expect((await server.get(token, undefined, { 'x-client-cert': encodeURIComponent(certs.client.pem) })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('refuses a request whose socket is no TLS socket, or none at all', async () => {
    const token = await bound();
    expect((await refusal(verifierWith().authenticate(bearerRequest(token)))).reason).toBe('mtls_missing_certificate');
    const plain = { ...bearerRequest(token), socket: { remoteAddress: '127.0.0.1' } };
    expect((await refusal(verifierWith().authenticate(plain))).reason).toBe('mtls_missing_certificate');
    const throwing = { ...bearerRequest(token), socket: { getPeerX509Certificate: () => { throw new Error('socket closed'); } } };
    expect((await refusal(verifierWith().authenticate(throwing))).reason).toBe('mtls_missing_certificate');
  });
});

describe('a trusted proxy header', () => {
  const hex = (certificate: TestCertificate) => Buffer.from(certificate.thumbprint, 'base64url').toString('hex');
  const formats = {
    'pem-urlencoded': (c: TestCertificate) => encodeURIComponent(c.pem),
    xfcc: (c: TestCertificate) => `By=spiffe://proxy;Hash=${hex(c)};Cert="${encodeURIComponent(c.pem)}";Subject="CN=client";URI=`,
    'base64-der': (c: TestCertificate) => c.der.toString('base64'),
  } as const;

  describe.each(Object.entries(formats))('%s', (format, write) => {
    const verifier = () => verifierWith({ certificateHeader: { name: 'x-client-cert', format: format as keyof typeof formats } });

    it('accepts the certificate the token names; refuses another, a malformed value, an oversized one, two headers, and none', async () => {
      const token = await bound();
      const v = verifier();
      expect((await v.authenticate(bearerRequest(token, { 'x-client-cert': write(certs.client) })))?.binding).toEqual({ kind: 'mtls', x5tS256: certs.client.thumbprint });
      expect((await refusal(v.authenticate(bearerRequest(token, { 'x-client-cert': write(other) })))).reason).toBe('mtls_certificate_mismatch');
      expect((await refusal(v.authenticate(bearerRequest(token, { 'x-client-cert': '%%%not-a-certificate' })))).reason).toBe('mtls_malformed_certificate');
      expect((await refusal(v.authenticate(bearerRequest(token, { 'x-client-cert': 'A'.repeat(MAX_CERTIFICATE_HEADER_LENGTH + 1) })))).reason).toBe('mtls_malformed_certificate');
      expect((await refusal(v.authenticate(bearerRequest(token, { 'x-client-cert': [write(certs.client), write(certs.client)] })))).reason).toBe('mtls_malformed_certificate');
      const twice = bearerRequest(token, { 'x-client-cert': write(certs.client) }, ['Authorization', `Bearer ${token}`, 'X-Client-Cert', write(certs.client), 'x-client-cert', write(certs.client)]);
      expect((await refusal(v.authenticate(twice))).reason).toBe('mtls_malformed_certificate');
      expect((await refusal(v.authenticate(bearerRequest(token)))).reason).toBe('mtls_missing_certificate');
      expect((await refusal(v.authenticate(bearerRequest(token, { 'x-client-cert': '  ' })))).reason).toBe('mtls_missing_certificate');
      // A bearer token does not need the header, and is not refused for a bad one.
      expect((await v.authenticate(bearerRequest(await issuer.sign(), { 'x-client-cert': '%%%' })))?.binding).toEqual({ kind: 'none' });
    });
  });

  it('xfcc: Hash alone names the certificate; Cert and Hash that disagree, two elements, or a broken quote are refused', async () => {
    const token = await bound();
    const v = verifierWith({ certificateHeader: { name: 'x-forwarded-client-cert', format: 'xfcc' } });
    const send = (value: string) => v.authenticate(bearerRequest(token, { 'x-forwarded-client-cert': value }));
    expect((await send(`By=spiffe://proxy;Hash=${hex(certs.client)}`))?.binding.kind).toBe('mtls');
    expect((await send(`hash=${hex(certs.client).toUpperCase()};SUBJECT="CN=a\\"b,c;d=e"`))?.binding.kind).toBe('mtls');
    expect((await refusal(send(`Hash=${hex(other)};Cert="${encodeURIComponent(certs.client.pem)}"`))).reason).toBe('mtls_malformed_certificate');
    expect((await refusal(send(`Hash=${hex(certs.client)},Hash=${hex(certs.client)}`))).reason).toBe('mtls_malformed_certificate');
    expect((await refusal(send(`Hash=${hex(certs.client)};Cert="${encodeURIComponent(certs.client.pem)}`))).reason).toBe('mtls_malformed_certificate');
    expect((await refusal(send(`Hash=${hex(certs.client)};Hash=${hex(certs.client)}`))).reason).toBe('mtls_malformed_certificate');
    expect((await refusal(send(`Hash=abc`))).reason).toBe('mtls_malformed_certificate');
    expect((await refusal(send(`By=spiffe://proxy;Subject="CN=client"`))).reason).toBe('mtls_missing_certificate');
    expect((await refusal(send(`Hash=${hex(other)}`))).reason).toBe('mtls_certificate_mismatch');
  });

  it('base64-der: accepts base64url too; pem-urlencoded: refuses a chain of two certificates', async () => {
    const token = await bound();
    const der = verifierWith({ certificateHeader: { name: 'x-client-cert', format: 'base64-der' } });
    expect((await der.authenticate(bearerRequest(token, { 'x-client-cert': certs.client.der.toString('base64url') })))?.binding.kind).toBe('mtls');
    const pem = verifierWith({ certificateHeader: { name: 'x-client-cert', format: 'pem-urlencoded' } });
    const chain = encodeURIComponent(`${certs.client.pem}${certs.ca.pem}`);
    expect((await refusal(pem.authenticate(bearerRequest(token, { 'x-client-cert': chain })))).reason).toBe('mtls_malformed_certificate');
  });
});

describe('the request path', () => {
  it('checks the certificate on the synchronous cache-hit path too', async () => {
    const token = await bound();
    const verifier = verifierWith({ certificateHeader: { name: 'x-client-cert', format: 'base64-der' } });
    const now = synchronousEntryOf(verifier)!;
    await verifier.authenticate(bearerRequest(token, { 'x-client-cert': certs.client.der.toString('base64') }));
    const hit = now(bearerRequest(token, { 'x-client-cert': certs.client.der.toString('base64') }));
    expect(hit).not.toBeInstanceOf(Promise);
    expect(() => now(bearerRequest(token, { 'x-client-cert': other.der.toString('base64') }))).toThrow(expect.objectContaining({ reason: 'mtls_certificate_mismatch' }));
  });

  it('refuses a certificate-bound token sent with the DPoP scheme', async () => {
    const token = await bound();
    const key = await createDpopKey();
    const proof = createDpopProof({ key, method: 'GET', url: 'https://api.example.test/orders', token });
    const request: RequestLike = { headers: { authorization: `DPoP ${token}`, dpop: proof }, method: 'GET', url: 'https://api.example.test/orders' };
    expect((await refusal(verifierWith().authenticate(request))).reason).toBe('dpop_unbound_token');
  });

  it('publishes each refusal with its reason, and no certificate or token in the event', async () => {
    const events: DecisionEvent[] = [];
    const listener = (message: unknown) => events.push(message as DecisionEvent);
    subscribe(DECISION_CHANNEL, listener);
    try {
      const token = await bound();
      const verifier = verifierWith({ certificateHeader: { name: 'x-client-cert', format: 'pem-urlencoded' } });
      await verifier.authenticate(bearerRequest(token, { 'x-client-cert': encodeURIComponent(certs.client.pem) }));
      await refusal(verifier.authenticate(bearerRequest(token, { 'x-client-cert': encodeURIComponent(other.pem) })));
      await refusal(verifier.authenticate(bearerRequest(token)));
      await refusal(verifier.authenticate(bearerRequest(token, { 'x-client-cert': 'garbage' })));
    } finally {
      unsubscribe(DECISION_CHANNEL, listener);
    }
    expect(events.map((event) => [event.outcome, 'reason' in event ? event.reason : undefined])).toEqual([
      ['accepted', undefined],
      ['rejected', 'mtls_certificate_mismatch'],
      ['rejected', 'mtls_missing_certificate'],
      ['rejected', 'mtls_malformed_certificate'],
    ]);
    const text = JSON.stringify(events);
    expect(text).not.toMatch(/eyJ|BEGIN|MII/);
  });
});

describe('the mtls option', () => {
  it.each([
    ['true', true, 'mtls: expected false'],
    ['a string', 'on', 'mtls: expected false'],
    ['an unknown member', { required: true }, 'mtls'],
    ['an empty header name', { certificateHeader: { name: '', format: 'xfcc' } }, 'mtls.certificateHeader.name'],
    ['a header name with a space', { certificateHeader: { name: 'x client cert', format: 'xfcc' } }, 'mtls.certificateHeader.name'],
    ['the Authorization header', { certificateHeader: { name: 'Authorization', format: 'base64-der' } }, 'mtls.certificateHeader.name'],
    ['an unknown format', { certificateHeader: { name: 'x-client-cert', format: 'pem' } }, "mtls.certificateHeader.format: must be one of 'pem-urlencoded', 'xfcc', 'base64-der'"],
    ['no format', { certificateHeader: { name: 'x-client-cert' } }, 'mtls.certificateHeader.format'],
    ['a header given as a string', { certificateHeader: 'x-client-cert' }, 'mtls.certificateHeader'],
    ['an unknown member of the header', { certificateHeader: { name: 'x-client-cert', format: 'xfcc', trusted: true } }, 'mtls.certificateHeader'],
  ])('refuses %s at startup, naming the option', (_name, mtls, message) => {
    expect(() => createVerifier(options(mtls as MtlsOptions))).toThrow(TollgateConfigError);
    expect(() => createVerifier(options(mtls as MtlsOptions))).toThrow(message);
  });

  it('resolves to the socket by default, the lower-cased header when configured, and undefined for false', () => {
    expect(verifierWith().options.mtls).toEqual({ certificateHeader: undefined });
    expect(verifierWith({}).options.mtls).toEqual({ certificateHeader: undefined });
    expect(verifierWith({ certificateHeader: { name: 'X-Forwarded-Client-Cert', format: 'xfcc' } }).options.mtls).toEqual({ certificateHeader: { name: 'x-forwarded-client-cert', format: 'xfcc' } });
    expect(verifierWith(false).options.mtls).toBeUndefined();
    expect(Object.isFrozen(verifierWith().options.mtls)).toBe(true);
  });
});
