// Garbage in, RFC 6750 errors out: random headers and tokens never crash, hang, fetch, or echo input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { createVerifier, TollgateError, type Verifier } from '../src/index.js';

// A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABETS = [
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', // base64url
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.', // with dots
  ' \t"\\=,;:/+~.%\r\n\u0000\u00e9\u2028{}[]', // separators, quotes, controls, non-ASCII
];

function garbage(next: () => number, maxLength: number): string {
  const alphabet = ALPHABETS[Math.floor(next() * ALPHABETS.length)]!;
  const length = Math.floor(next() * maxLength);
  let out = '';
  for (let i = 0; i < length; i += 1) out += alphabet[Math.floor(next() * alphabet.length)];
  return out;
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

let issuer: TestIssuer;
let verifier: Verifier;

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['RS256'] });
  verifier = createVerifier({ issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true });
  await verifier.verify(await issuer.sign()); // warm: later requests need no fetch
  issuer.resetRequests();
});
afterAll(async () => {
  await issuer.close();
});

async function expectRefusal(run: () => Promise<unknown>, input: string): Promise<void> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expect(caught, `input ${JSON.stringify(input.slice(0, 80))}`).toBeInstanceOf(TollgateError);
  const error = caught as TollgateError;
  expect([400, 401]).toContain(error.status);
  const rendered = `${error.message} ${error.wwwAuthenticate()} ${JSON.stringify(error.toJSON())}`;
  // Challenges are a single header line whatever the input.
  expect(error.wwwAuthenticate()).not.toMatch(/[\r\n\u0000]/);
  if (input.length >= 12) expect(rendered).not.toContain(input.slice(0, 12));
}

describe('hostile input', () => {
  it('refuses 2000 random Authorization headers with a 400 or 401 and fetches nothing', async () => {
    const next = random(0x70119a7e);
    for (let i = 0; i < 2000; i += 1) {
      const scheme = ['Bearer ', 'bearer ', 'Basic ', '', 'Bearer  ', 'Bearer\t'][i % 6]!;
      const header = scheme + garbage(next, 300);
      await expectRefusal(() => verifier.authenticate({ headers: { authorization: header } }), header);
    }
    expect(issuer.requests.total).toBe(0);
  });

  it('refuses 2000 random three-part tokens with a 401 and fetches nothing', async () => {
    const next = random(0x5eed);
    const headers = [{ alg: 'RS256' }, { alg: 'RS256', kid: issuer.keys[0]!.kid }, { alg: 'none' }, { alg: 'RS256', typ: 'JWT' }, 'not json', [1, 2]];
    for (let i = 0; i < 2000; i += 1) {
      const header = headers[i % headers.length];
      const payload = i % 3 === 0 ? garbage(next, 200) : b64({ iss: issuer.issuer, aud: issuer.audience, exp: 4e9, sub: garbage(next, 20) });
      const token = `${b64(header)}.${payload}.${garbage(next, 400).replace(/[^A-Za-z0-9_-]/g, '')}`;
      await expectRefusal(() => verifier.verify(token), token);
    }
    expect(issuer.requests.jwks).toBe(0);
  });

  it('refuses tokens up to 1 MB quickly, without parsing them', async () => {
    const started = performance.now();
    for (const size of [8193, 65_536, 1_048_576]) {
      const token = `${'a'.repeat(size - 4)}.b.c`;
      await expectRefusal(() => verifier.verify(token), token);
    }
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses claims of every wrong JSON type without throwing anything but a TollgateError', async () => {
    const values: unknown[] = [null, true, 0, -1, 1e308, 'x', [], ['a', 1], {}, { nested: { deep: [] } }];
    const claims = ['exp', 'nbf', 'iat', 'iss', 'aud', 'scope', 'scp', 'sub', 'client_id'];
    for (const claim of claims) {
      for (const value of values) {
        const token = await issuer.sign({ [claim]: value, scope: claim === 'scope' ? value : 'orders:read' });
        let outcome: unknown;
        try {
          outcome = await verifier.verify(token);
        } catch (error) {
          outcome = error;
        }
        // Either a verified token (some values are valid, e.g. sub 'x') or a TollgateError: never a TypeError.
        if (outcome instanceof Error) expect(outcome, `${claim}=${JSON.stringify(value)}`).toBeInstanceOf(TollgateError);
      }
    }
  });
});
