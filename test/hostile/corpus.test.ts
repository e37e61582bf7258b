// Runs every case of the bad-token corpus (test/hostile/corpus/*.json) against core (verify and authenticate)
// and through every adapter over real HTTP on 127.0.0.1: each must be refused with its RFC 6750 status and
// code, in time, without echoing the token, without a stack, without fetching a URL the token names, and
// without touching Object.prototype. Tokens are built at run time from the recipes with fresh keys.
//
// A case with `knownBug` states the correct answer and runs as `it.fails` ("[known bug]" in its title): it
// passes while core still has the bug and fails once core is fixed, when the marker must be removed.
import { validateHeaderValue } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JWK } from 'jose';
import { createVerifier, type Verifier } from '@tollgate/core';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { send, type SendResponse } from '../conformance/http.js';
import { startAuditLog, type AuditLog } from './audit-log.js';
import { createTokenBuilder, type TokenBuilder } from './build-token.js';
import { KEY_ALGS, loadCorpus, type CorpusCase, type Expectation } from './corpus-case.js';
import { decide, describeDecision, type Decision } from './decide.js';
import { echoedWindow, FRAMEWORKS, hostileSpec, listen, REALM, responseLeaks, ROUTES, type RunningApp } from './hostile-apps.js';
import { sendRaw } from './raw-http.js';
import { startTrapServer, type TrapServer } from './trap-server.js';
import { hostileVerifierOptions, NOW_SECONDS, VERIFIER_KINDS, type VerifierKind } from './verifier-options.js';

/** Hard limit on one decision in core, and on one HTTP exchange. */
const CASE_LIMIT_MS = 2_000;
const KINDS = VERIFIER_KINDS;

const cases = loadCorpus();
const casesOf = (kind: VerifierKind) => cases.filter((c) => (c.verifier ?? 'default') === kind);
// A known bug shows where the case's `expect` applies: not in verify(token) when the case gives its own
// `verify` (a line-only bug), and not over HTTP when Node's parser refuses the request first.
const buggy = {
  verify: (c: CorpusCase) => !!c.knownBug && c.verify === undefined,
  authenticate: (c: CorpusCase) => !!c.knownBug,
  http: (c: CorpusCase) => !!c.knownBug && !c.http,
};
const testFor = (path: keyof typeof buggy, c: CorpusCase) => (buggy[path](c) ? it.fails : it);
const titleFor = (path: keyof typeof buggy, c: CorpusCase) => (buggy[path](c) ? `[known bug] ${c.id}` : c.id);

let issuer: TestIssuer;
let trap: TrapServer;
let audit: AuditLog;
let builder: TokenBuilder;
const built = new Map<string, { token: string; line: string }>();
/** The error_description core gave for each case, which every adapter must send too. */
const descriptions = new Map<string, string>();
const slowest = { core: { ms: 0, id: '' }, http: { ms: 0, id: '' } };

// Own members of the prototypes a `__proto__` or `constructor.prototype` payload would pollute.
const PROTOTYPES = { Object: Object.prototype, Array: Array.prototype, Function: Function.prototype } as const;
const snapshot = () => Object.fromEntries(Object.entries(PROTOTYPES).map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort()]));
const prototypesBefore = snapshot();

const entryOf = (c: CorpusCase) => {
  const entry = built.get(c.id);
  if (!entry) throw new Error(`case ${c.id} was not built`);
  return entry;
};
/** The texts a response must not quote: the token, and the Authorization line past its scheme. */
const secretsOf = (c: CorpusCase): string[] => {
  const { token, line } = entryOf(c);
  return [token, line.replace(/^\S+\s*/, '')];
};

beforeAll(async () => {
  audit = startAuditLog();
  issuer = await createTestIssuer();
  let decoys: JWK[] = [];
  trap = await startTrapServer(() => decoys);
  builder = await createTokenBuilder({ issuer, now: NOW_SECONDS, trapOrigin: trap.origin });
  decoys = KEY_ALGS.map((alg) => builder.attackerKey(alg).publicJwk);
  for (const c of cases) {
    const token = await builder.token(c);
    built.set(c.id, { token, line: builder.authorization(c, token) });
  }
}, 60_000);

afterAll(async () => {
  audit?.stop();
  await trap?.close();
  await issuer?.close();
  const families = new Map<string, number>();
  for (const c of cases) families.set(c.family, (families.get(c.family) ?? 0) + 1);
  console.log(
    `hostile corpus: ${cases.length} cases in ${families.size} families; slowest core decision ${slowest.core.ms.toFixed(1)} ms (${slowest.core.id}), ` +
      `slowest HTTP exchange ${slowest.http.ms.toFixed(1)} ms (${slowest.http.id})`,
  );
});

/** Asserts that no audit event published since the last `audit.clear()` quotes the case's token. */
function expectQuietAudit(c: CorpusCase): void {
  for (const event of audit.events) {
    for (const secret of secretsOf(c)) expect(echoedWindow(event, secret), 'an audit event quotes the token').toBeUndefined();
  }
}

/** Asserts a core decision is the expected refusal, in time, and that the error gives nothing away. */
function expectRefusal(decision: Decision, expected: Expectation, c: CorpusCase): void {
  if (decision.ms > slowest.core.ms) Object.assign(slowest.core, { ms: decision.ms, id: c.id });
  const jwks = audit.jwksFailures.length ? `; JWKS fetch failures: ${audit.jwksFailures.join(' | ')}` : '';
  expect(decision.outcome, `${c.id}: ${describeDecision(decision)}${jwks}`).toBe('refused');
  if (decision.outcome !== 'refused') return;
  const { error } = decision;
  expect({ status: error.status, code: error.code ?? null, reason: error.reason }, c.id).toEqual({
    status: expected.status,
    code: expected.code,
    reason: expected.reason ?? error.reason,
  });
  const challenge = error.wwwAuthenticate();
  expect(challenge, 'a challenge is one header line').not.toMatch(/[\r\n\u0000]/);
  const rendered = `${error.message}\n${challenge}\n${JSON.stringify(error.toJSON())}\n${error.stack ?? ''}`;
  for (const secret of secretsOf(c)) expect(echoedWindow(rendered, secret), 'the error quotes the token').toBeUndefined();
}

describe('core', () => {
  // One verifier per path and kind: each path meets every token first-hand, not from another path's caches.
  const verifiers = {} as Record<'verify' | 'authenticate', Record<VerifierKind, Verifier>>;
  let jwksBefore = 0;
  let discoveryBefore = 0;
  beforeAll(async () => {
    const valid = await issuer.sign({}, { now: NOW_SECONDS });
    for (const path of ['verify', 'authenticate'] as const) {
      verifiers[path] = {} as Record<VerifierKind, Verifier>;
      for (const kind of KINDS) {
        const verifier = createVerifier(hostileVerifierOptions(issuer, kind));
        // A valid token first: the keys are cached, and a verifier that refuses everything would fail here.
        const warm = await decide(() => verifier.verify(valid), CASE_LIMIT_MS);
        expect(warm.outcome, describeDecision(warm)).toBe('accepted');
        verifiers[path][kind] = verifier;
      }
    }
    jwksBefore = issuer.requests.jwks;
    discoveryBefore = issuer.requests.discovery;
  });

  describe('verify(token)', () => {
    for (const c of cases) {
      testFor('verify', c)(titleFor('verify', c), async () => {
        const { token } = entryOf(c);
        const verifier = verifiers.verify[c.verifier ?? 'default'];
        audit.clear();
        const decision = await decide(() => verifier.verify(token), CASE_LIMIT_MS);
        if (c.verify === 'valid-token') {
          // A line-only case: the token itself is fine, which proves the refusal below comes from the line.
          expect(decision.outcome, `${c.id}: ${describeDecision(decision)}`).toBe('accepted');
          return;
        }
        expectRefusal(decision, c.verify ?? c.expect, c);
        // The same token again, now possibly from the rejection cache: the same refusal.
        const again = await decide(() => verifier.verify(token), CASE_LIMIT_MS);
        expectRefusal(again, c.verify ?? c.expect, c);
        expectQuietAudit(c);
      });
    }
  });

  describe('authenticate({ headers: { authorization } })', () => {
    for (const c of cases) {
      testFor('authenticate', c)(titleFor('authenticate', c), async () => {
        const { line } = entryOf(c);
        const verifier = verifiers.authenticate[c.verifier ?? 'default'];
        audit.clear();
        const decision = await decide(() => verifier.authenticate({ headers: { authorization: line } }), CASE_LIMIT_MS);
        expectRefusal(decision, c.expect, c);
        expectQuietAudit(c);
        if (decision.outcome === 'refused') descriptions.set(c.id, decision.error.message);
        if (c.expect.code === null) {
          // No bearer credentials: optional authentication lets the request through without a token.
          const optional = await decide(() => verifier.authenticate({ headers: { authorization: line } }, { optional: true }), CASE_LIMIT_MS);
          expect(optional, `${c.id} (optional): ${describeDecision(optional)}`).toMatchObject({ outcome: 'accepted', token: undefined });
          expectQuietAudit(c);
        }
      });
    }
  });

  it('fetched the JWKS at most once more per verifier: one refetch for the first unknown kid, then the cooldown', () => {
    expect(issuer.requests.jwks - jwksBefore).toBeLessThanOrEqual(2 * KINDS.length);
    // Discovery ran once, before the first key fetch: no token can make it run again.
    expect(issuer.requests.discovery - discoveryBefore).toBe(0);
  });
});

/** Sends the case's Authorization line: byte for byte over a socket when Node's client would refuse it. */
function sendCase(port: number, path: string, c: CorpusCase): Promise<SendResponse> {
  const { line } = entryOf(c);
  let sendable = c.http === undefined;
  try {
    validateHeaderValue('authorization', line);
  } catch {
    sendable = false;
  }
  return sendable ? send(port, { path, headers: [['Authorization', line]] }) : sendRaw(port, path, line);
}

describe.each(FRAMEWORKS.map((fw) => [fw.name, fw] as const))('%s over HTTP', (_name, fw) => {
  describe.each(KINDS.filter((kind) => casesOf(kind).length > 0))('%s verifier', (kind) => {
    let app: RunningApp | undefined;
    let jwksBefore = 0;
    let discoveryBefore = 0;
    beforeAll(async () => {
      app = await listen(await fw.build(hostileSpec(hostileVerifierOptions(issuer, kind))));
      const warm = await send(app.port, { path: '/me', headers: [['Authorization', `Bearer ${await issuer.sign({}, { now: NOW_SECONDS })}`]] });
      expect(warm.status, 'a valid token passes: the app can say yes').toBe(200);
      jwksBefore = issuer.requests.jwks;
      discoveryBefore = issuer.requests.discovery;
    });
    afterAll(async () => {
      await app?.close();
    });

    casesOf(kind).forEach((c, index) => {
      const path = ROUTES[index % ROUTES.length]!;
      testFor('http', c)(`${titleFor('http', c)} (GET ${path})`, async () => {
        if (!app) throw new Error('the app is not running');
        const seenBefore = app.requestsSeen;
        audit.clear();
        const started = performance.now();
        const response = await sendCase(app.port, path, c);
        const ms = performance.now() - started;
        if (ms > slowest.http.ms) Object.assign(slowest.http, { ms, id: `${fw.name} ${c.id}` });
        expect(ms, 'answered in time').toBeLessThan(CASE_LIMIT_MS);
        expect(responseLeaks(response, secretsOf(c)), 'the response gives nothing away').toEqual([]);
        expectQuietAudit(c);
        if (c.http) {
          // Node's HTTP parser answers before any framework code runs: the adapter never sees these.
          expect(response.status).toBe(c.http.status);
          expect(app.requestsSeen, 'no request reached the app').toBe(seenBefore);
          return;
        }
        if (c.expect.code === null && path === '/optional') {
          // No bearer credentials (RFC 6750 section 3.1): an optional route serves the request without a token.
          expect({ status: response.status, body: JSON.parse(response.text) as unknown }).toEqual({ status: 200, body: { route: path, auth: null } });
          return;
        }
        expect(response.status, 'never a 5xx, never a 2xx').toBe(c.expect.status);
        const body = JSON.parse(response.text) as { error?: unknown; error_description?: unknown };
        expect(body.error).toBe(c.expect.code ?? undefined);
        const description = descriptions.get(c.id);
        if (description !== undefined) expect(body.error_description, 'the same description as core').toBe(description);
        if (c.expect.code === null) expect(response.headers['www-authenticate'], 'a bare challenge').toBe(`Bearer realm="${REALM}"`);
        else expect(response.headers['www-authenticate']).toContain(`error="${c.expect.code}"`);
        expect(response.headers['cache-control']).toBe('no-store');
      }, CASE_LIMIT_MS * 3);
    });

    it('fetched the JWKS at most once more: one refetch for the first unknown kid, then the cooldown', () => {
      expect(issuer.requests.jwks - jwksBefore).toBeLessThanOrEqual(1);
      expect(issuer.requests.discovery - discoveryBefore).toBe(0);
    });
  });
});

describe('after the whole corpus', () => {
  it('never contacted the server that jku and x5u point at', () => {
    expect(trap.requests).toBe(0);
  });

  it('left Object.prototype, Array.prototype and Function.prototype as they were', () => {
    expect(snapshot()).toEqual(prototypesBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});
