// Property-based fuzzing of core and of every adapter with fast-check, against a live test issuer on a frozen
// clock. Properties: nothing but a TollgateError ever escapes; no forgery is accepted (an attacker's key, an
// edited token); a validly signed token with hostile claims is accepted exactly when the oracle (oracle.ts,
// written from the RFCs) says so; every decision comes within a time limit; each adapter answers over HTTP
// exactly what core decides for the same Authorization line.
//
// Environment:
//   FUZZ_SEED=<int>   seed of every property (default: random, printed at the start of the run)
//   FUZZ_RUNS=<scale> multiplies every property's number of runs (default 1: 10 700 runs against core,
//                     500 per adapter; FUZZ_RUNS=10 for a long soak, FUZZ_RUNS=0.1 for a quick look)
//   FUZZ_PATH=<path>  replays one counterexample (needs the same FUZZ_SEED and one property, selected with -t)
// A failure prints the exact command that replays it, e.g.
//   FUZZ_SEED=1234 FUZZ_PATH=56:1:0 npx vitest run test/hostile/fuzz.test.ts -t "core: edited valid tokens"
import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createVerifier, type AccessToken, type Verifier } from '@tollgate/core';
import { createSigningKey, createTestIssuer, type TestIssuer, type TestSigningKey } from '@tollgate/testing';
import { send } from '../conformance/http.js';
import { startAuditLog, type AuditLog } from './audit-log.js';
import { applyEdits, authorizationLine, edits, materialize, rawToken, tokenSpec, type FuzzWorld } from './arbitraries.js';
import { decide, describeDecision, type Decision } from './decide.js';
import { echoedWindow, FRAMEWORKS, hostileSpec, listen, responseLeaks, type RunningApp } from './hostile-apps.js';
import { defaultRules, expectedScopes, expectedVerdict, type Signer } from './oracle.js';
import { hostileVerifierOptions, NOW_SECONDS } from './verifier-options.js';

const SEED =
  process.env.FUZZ_SEED !== undefined ? Number.parseInt(process.env.FUZZ_SEED, 10) : (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
const PATH = process.env.FUZZ_PATH;
const SCALE = process.env.FUZZ_RUNS !== undefined ? Number(process.env.FUZZ_RUNS) : 1;
if (!Number.isInteger(SEED) || !(SCALE > 0)) throw new Error('FUZZ_SEED must be an integer and FUZZ_RUNS a positive number');
const runs = (base: number) => Math.max(1, Math.round(base * SCALE));
/** Hard limit on one decision by core, and on one HTTP exchange. */
const DECISION_LIMIT_MS = 2_000;
const HTTP_LIMIT_MS = 2_000;
const PROPERTY_TIMEOUT_MS = 120_000 * Math.max(1, SCALE);

console.log(`fuzz: seed ${SEED} (FUZZ_SEED=${SEED} replays this run), runs x${SCALE}`);

const clip = (text: string, max = 400) => (text.length > max ? `${text.slice(0, max)}... (${text.length} characters)` : text);
const summaries: string[] = [];

/** Runs a property with the run's seed; a failure names the seed, the path and the command that replays it. */
async function holds<Ts>(name: string, property: fc.IAsyncPropertyWithHooks<Ts>, baseRuns: number): Promise<void> {
  const started = performance.now();
  const details = await fc.check(property, { seed: SEED, numRuns: runs(baseRuns), ...(PATH ? { path: PATH } : {}) });
  if (details.failed) {
    const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(
      [
        `property "${name}" failed after ${details.numRuns} runs and ${details.numShrinks} shrinks`,
        `replay: FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath} npx vitest run test/hostile/fuzz.test.ts -t "${name}"`,
        `counterexample: ${clip(fc.stringify(details.counterexample))}`,
        `failure: ${clip(error, 1200)}`,
      ].join('\n'),
    );
  }
  summaries.push(`${name}: ${details.numRuns} runs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

let audit: AuditLog;
/** A decision's account, with the JWKS fetch errors behind a 503 (a transport problem, not the token's). */
const account = (decision: Decision) =>
  `${describeDecision(decision)}${audit.jwksFailures.length ? `; JWKS fetch failures: ${audit.jwksFailures.join(' | ')}` : ''}`;

/**
 * A refusal: a TollgateError of an RFC 6750 status, in time, whose rendering is one line and which quotes
 * no input, nor does any audit event published since the last `audit.clear()`.
 */
function expectCleanRefusal(decision: Decision, inputs: readonly string[], statuses: readonly number[]): void {
  expect(decision.outcome, account(decision)).toBe('refused');
  if (decision.outcome !== 'refused') return;
  expect(statuses, account(decision)).toContain(decision.error.status);
  const challenge = decision.error.wwwAuthenticate();
  expect(challenge).not.toMatch(/[\r\n\u0000]/);
  const rendered = `${decision.error.message}\n${challenge}\n${decision.error.stack ?? ''}`;
  for (const input of inputs) {
    expect(echoedWindow(rendered, input), 'the error quotes its input').toBeUndefined();
    for (const event of audit.events) expect(echoedWindow(event, input), 'an audit event quotes the token').toBeUndefined();
  }
}

/** The comparable part of a decision: outcome, status, code, reason. */
const verdictOf = (d: Decision) =>
  d.outcome === 'refused' ? { outcome: d.outcome, status: d.error.status, code: d.error.code, reason: d.error.reason } : { outcome: d.outcome };

/** What an adapter sends for a refusal. */
interface RefusalBody {
  error?: string;
  error_description?: string;
}

let issuer: TestIssuer;
let world: FuzzWorld;
/** One valid token per issuer key, with scopes, and its decoded parts. */
let pool: { token: string; claims: Record<string, unknown> }[] = [];
const rules = () => defaultRules(issuer.issuer, issuer.audience, NOW_SECONDS);
const signers = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Signer>('issuer') },
  { weight: 1, arbitrary: fc.constantFrom<Signer>('attacker', 'none', 'garbage', 'hmac') },
);

beforeAll(async () => {
  audit = startAuditLog();
  issuer = await createTestIssuer();
  const attackerKeys: TestSigningKey[] = [];
  for (const key of issuer.keys) attackerKeys.push(await createSigningKey(key.alg, `attacker-${key.alg.toLowerCase()}`));
  world = { issuer: issuer.issuer, audience: issuer.audience, nowSeconds: NOW_SECONDS, issuerKeys: issuer.keys, attackerKeys };
  pool = [];
  for (const key of issuer.keys) {
    const token = await issuer.sign({ scope: 'orders:read profile' }, { kid: key.kid, now: NOW_SECONDS });
    pool.push({ token, claims: JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown> });
  }
}, 30_000);

afterAll(async () => {
  audit?.stop();
  await issuer?.close();
  console.log(`fuzz (seed ${SEED}):\n  ${summaries.join('\n  ')}`);
});

/** Whether an accepted token carries exactly what its claims say. */
function expectFaithful(token: AccessToken | undefined, claims: Record<string, unknown>): void {
  expect(token).toBeDefined();
  if (!token) return;
  expect(token.issuer).toBe(claims.iss);
  expect(new Set(token.scopes)).toEqual(new Set(expectedScopes(claims)));
  // The oracle accepts sub, client_id and azp only as strings (or absent): each field is the claim itself.
  expect(token.clientId).toBe(claims.client_id ?? claims.azp);
  expect(token.subject).toBe(claims.sub);
  const ms = (claims.exp as number) * 1000;
  // Dates beyond ±8.64e15 ms are Invalid Date (reported, see exp-overflow-infinity in the corpus).
  if (Math.abs(ms) <= 8.64e15) expect(token.expiresAt.getTime()).toBe(Math.trunc(ms));
}

describe('core', () => {
  let verifier: Verifier;
  beforeAll(async () => {
    verifier = createVerifier(hostileVerifierOptions(issuer, 'default'));
    const warm = await decide(() => verifier.verify(pool[0]!.token), DECISION_LIMIT_MS);
    expect(warm.outcome, describeDecision(warm)).toBe('accepted');
  });

  it(
    'core: raw strings are refused with RFC 6750 errors only',
    async () => {
      await holds(
        'core: raw strings are refused with RFC 6750 errors only',
        fc.asyncProperty(rawToken, async (raw) => {
          audit.clear();
          expectCleanRefusal(await decide(() => verifier.verify(raw), DECISION_LIMIT_MS), [raw], [401]);
          const line = `Bearer ${raw}`;
          expectCleanRefusal(await decide(() => verifier.authenticate({ headers: { authorization: line } }), DECISION_LIMIT_MS), [raw], [400, 401]);
        }),
        2000,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'core: hostile headers and claims are accepted exactly when the oracle says so',
    async () => {
      const seen = { accepted: 0, refused: 0, either: 0 };
      await holds(
        'core: hostile headers and claims are accepted exactly when the oracle says so',
        fc.asyncProperty(tokenSpec(issuer.keys.length, signers), async (spec) => {
          audit.clear();
          const { token, facts } = materialize(world, spec);
          const verdict = expectedVerdict(facts, rules());
          const decision = await decide(() => verifier.verify(token), DECISION_LIMIT_MS);
          const why = `oracle: ${verdict.accept === true ? 'accept' : `${verdict.accept === false ? 'refuse' : 'either'} (${verdict.because})`}; core: ${account(decision)}`;
          if (verdict.accept === 'either') {
            if (decision.outcome !== 'accepted') expectCleanRefusal(decision, [token], [401]);
            seen.either += 1;
          } else if (verdict.accept) {
            expect(decision.outcome, why).toBe('accepted');
            if (decision.outcome === 'accepted') expectFaithful(decision.token, facts.claims as Record<string, unknown>);
            seen.accepted += 1;
          } else {
            expect(decision.outcome, why).toBe('refused');
            expectCleanRefusal(decision, [token], [401]);
            seen.refused += 1;
          }
        }),
        2500,
      );
      // A property that never accepts (or never refuses) would test half of the oracle.
      if (!PATH) expect(Math.min(seen.accepted, seen.refused), JSON.stringify(seen)).toBeGreaterThan(0);
      summaries.push(`  (oracle: ${seen.accepted} accepted, ${seen.refused} refused, ${seen.either} either way: a non-string kid)`);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "core: an attacker's signature is never accepted",
    async () => {
      await holds(
        "core: an attacker's signature is never accepted",
        fc.asyncProperty(tokenSpec(issuer.keys.length, fc.constant<Signer>('attacker')), async (spec) => {
          audit.clear();
          const { token } = materialize(world, spec);
          expectCleanRefusal(await decide(() => verifier.verify(token), DECISION_LIMIT_MS), [token], [401]);
        }),
        700,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'core: edited valid tokens are accepted only when their bytes are unchanged',
    async () => {
      await holds(
        'core: edited valid tokens are accepted only when their bytes are unchanged',
        fc.asyncProperty(fc.nat({ max: 3 }), edits, async (index, list) => {
          audit.clear();
          const original = pool[index % pool.length]!;
          const edited = applyEdits(original.token, list);
          const decision = await decide(() => verifier.verify(edited), DECISION_LIMIT_MS);
          if (decision.outcome === 'accepted') {
            const [h, p, s = ''] = edited.split('.');
            const [oh, op, os = ''] = original.token.split('.');
            // The signed bytes must be the original's. Only the signature's spelling may differ, where a lenient
            // base64url decoder reads the same bytes (the corpus's b64-noncanonical-signature known bug).
            expect({ header: h, payload: p }, 'accepted an edited token').toEqual({ header: oh, payload: op });
            expect(Buffer.from(s, 'base64url').equals(Buffer.from(os, 'base64url')), 'accepted another signature').toBe(true);
            expectFaithful(decision.token, original.claims);
          } else {
            expectCleanRefusal(decision, [edited], [401]);
          }
          const viaHeader = await decide(() => verifier.authenticate({ headers: { authorization: `Bearer ${edited}` } }), DECISION_LIMIT_MS);
          if (viaHeader.outcome !== 'accepted') expectCleanRefusal(viaHeader, [edited], [400, 401]);
        }),
        2500,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'core: Authorization lines follow RFC 6750 section 2.1',
    async () => {
      const token = fc.oneof(
        { weight: 3, arbitrary: fc.nat({ max: 3 }).map((i) => pool[i % pool.length]!.token) },
        { weight: 1, arbitrary: rawToken },
        { weight: 1, arbitrary: fc.tuple(fc.nat({ max: 3 }), edits).map(([i, list]) => applyEdits(pool[i % pool.length]!.token, list)) },
      );
      await holds(
        'core: Authorization lines follow RFC 6750 section 2.1',
        fc.asyncProperty(authorizationLine(false), token, async (parts, credential) => {
          audit.clear();
          const line = `${parts.prefix}${parts.scheme}${parts.separator}${credential}${parts.suffix}`;
          const decision = await decide(() => verifier.authenticate({ headers: { authorization: line } }), DECISION_LIMIT_MS);
          // credentials = "Bearer" 1*SP b64token, inside optional whitespace (SP / HTAB, RFC 9110 section 5.6.3).
          const trimmed = line.replace(/^[ \t]+|[ \t]+$/g, '');
          const grammar = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
          const strict = grammar.exec(trimmed);
          // RFC 9110 section 11.4: credentials = auth-scheme [ 1*SP ... ], auth-scheme = token (1*tchar).
          const scheme = /^([!#$%&'*+\-.^_`|~A-Za-z0-9]+)(?: |$)/.exec(trimmed)?.[1];
          if (strict) {
            const alone = await decide(() => verifier.verify(strict[1]!), DECISION_LIMIT_MS);
            expect(verdictOf(decision), `the line decides like its token; ${describeDecision(decision)}`).toEqual(verdictOf(alone));
          } else if (scheme?.toLowerCase() === 'dpop') {
            // RFC 9449 section 7.1: `DPoP 1*SP token68`, else 400; a well-formed line without a DPoP proof is 401 invalid_dpop_proof.
            expectCleanRefusal(decision, [credential], [400, 401]);
            if (decision.outcome === 'refused') {
              expect(decision.error.code).toBe(/^dpop +[A-Za-z0-9\-._~+/]+=*$/i.test(trimmed) ? 'invalid_dpop_proof' : 'invalid_request');
            }
          } else if (scheme !== undefined && scheme.toLowerCase() !== 'bearer') {
            // Another scheme's credentials are no bearer credentials: 401 with no error code (RFC 6750 section 3.1).
            expectCleanRefusal(decision, [credential], [401]);
            expect(verdictOf(decision)).toEqual({ outcome: 'refused', status: 401, code: undefined, reason: 'unsupported_scheme' });
          } else {
            expectCleanRefusal(decision, [credential], [400]);
            if (decision.outcome === 'refused') expect(decision.error.code).toBe('invalid_request');
          }
        }),
        3000,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe.each(FRAMEWORKS.map((fw) => [fw.name, fw] as const))('%s over HTTP', (name, fw) => {
  let app: RunningApp | undefined;
  let oracle: Verifier;
  beforeAll(async () => {
    const options = hostileVerifierOptions(issuer, 'default');
    app = await listen(await fw.build(hostileSpec(options)));
    // Core with the same options decides what the adapter must answer.
    oracle = createVerifier(options);
    await oracle.verify(pool[0]!.token);
    const warm = await send(app.port, { path: '/me', headers: [['Authorization', `Bearer ${pool[0]!.token}`]] });
    expect(warm.status).toBe(200);
  });
  afterAll(async () => {
    await app?.close();
  });

  const property = `${name}: every answer over HTTP is what core decides`;
  it(
    property,
    async () => {
      const printable = (text: string) => text.replace(/[^\x20-\x7e]/g, '');
      const credential = fc.oneof(
        { weight: 2, arbitrary: tokenSpec(issuer.keys.length, signers).map((spec) => materialize(world, spec).token) },
        { weight: 2, arbitrary: fc.tuple(fc.nat({ max: 3 }), edits).map(([i, list]) => applyEdits(pool[i % pool.length]!.token, list)) },
        { weight: 1, arbitrary: rawToken },
      );
      await holds(
        property,
        fc.asyncProperty(authorizationLine(true), credential, fc.constantFrom('/me', '/optional'), async (parts, token, path) => {
          if (!app) throw new Error('the app is not running');
          // Printable ASCII only: what Node's client sends as is (the corpus covers the rest byte for byte).
          const line = printable(`${parts.prefix}${parts.scheme}${parts.separator}${token}${parts.suffix}`);
          const expected = await decide(() => oracle.authenticate({ headers: { authorization: line } }, { optional: path === '/optional' }), DECISION_LIMIT_MS);
          const started = performance.now();
          const response = await send(app.port, { path, headers: [['Authorization', line]] });
          expect(performance.now() - started, 'answered in time').toBeLessThan(HTTP_LIMIT_MS);
          expect(responseLeaks(response, [printable(token), line.replace(/^\S+\s*/, '')].filter((s) => s.length >= 10)), 'leaks').toEqual([]);
          const body = JSON.parse(response.text) as RefusalBody & { route?: string; auth?: { clientId: string | null; scopes: string[] } };
          if (expected.outcome === 'accepted') {
            expect(response.status, `core accepted; ${describeDecision(expected)}`).toBe(200);
            expect(body.route).toBe(path);
            // An optional route that found no bearer token (another scheme's credentials) answers without one.
            expect(body.auth).toEqual(expected.token ? { clientId: expected.token.clientId ?? null, scopes: [...expected.token.scopes] } : null);
            return;
          }
          expect(expected.outcome, describeDecision(expected)).toBe('refused');
          if (expected.outcome !== 'refused') return;
          expect({ status: response.status, error: body.error, description: body.error_description }).toEqual({
            status: expected.error.status,
            error: expected.error.code,
            description: expected.error.message,
          });
          expect(response.headers['www-authenticate']).toBe(expected.error.wwwAuthenticate());
        }),
        500,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
