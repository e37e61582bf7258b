// A permanent misconfiguration must not look like an outage: the client still gets 503 with Retry-After,
// but the tollgate:jwks audit event (problem: 'configuration') and the 503's cause say what is wrong
// and what to set.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { createVerifier, JWKS_CHANNEL, JwksUnavailableError, type JwksEvent } from '../src/index.js';
import { FetchJsonError } from '../src/lib/fetch-json.js';
import { expectOutcome, unavailable } from './support/expect-outcome.js';
import { fakeClock, rejectionOf, startServer, type LocalServer } from './support/jwks-support.js';

const COOLDOWN = 10;

// A metadata server whose document each test sets; the keys are the test issuer's.
let metadata: LocalServer;
let document: unknown;
let status = 200;
let keys: TestIssuer;
const RFC8414 = '/.well-known/oauth-authorization-server';

let events: JwksEvent[] = [];
const onJwks = (event: unknown) => events.push(event as JwksEvent);

beforeAll(async () => {
  metadata = await startServer((req, res) => {
    if (req.url !== RFC8414 && req.url !== '/.well-known/openid-configuration') return void res.writeHead(404).end();
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(document));
  });
  keys = await createTestIssuer({ algorithms: ['ES256'] });
});
afterAll(async () => {
  await Promise.all([metadata.close(), keys.close()]);
});
beforeEach(() => {
  events = [];
  status = 200;
  metadata.requests.length = 0;
  keys.resetRequests();
  keys.setFault(null);
  subscribe(JWKS_CHANNEL, onJwks);
});
afterEach(() => {
  unsubscribe(JWKS_CHANNEL, onJwks);
});

const verifierFor = (issuer: string = metadata.origin, clock = fakeClock()) =>
  createVerifier({ issuer, audience: keys.audience, allowInsecureRequests: true, now: clock.now, jwks: { cooldown: COOLDOWN } });
const token = () => keys.sign({ iss: metadata.origin });

/** Verifies once, expects the usual 503, and returns its cause and the one JWKS event. */
async function configurationProblem(verify: () => Promise<unknown>): Promise<{ cause: FetchJsonError; event: JwksEvent }> {
  const error = await rejectionOf(verify());
  await expectOutcome(Promise.reject(error as Error), unavailable(COOLDOWN));
  const cause = (error as JwksUnavailableError).cause as FetchJsonError;
  expect(cause).toBeInstanceOf(FetchJsonError);
  expect(cause.problem).toBe('configuration');
  expect(cause.message).toMatch(/^configuration problem: /);
  expect(events).toHaveLength(1);
  const event = events[0]!;
  expect(event).toEqual({ outcome: 'failed', source: metadata.origin, problem: 'configuration', error: cause.message, staleKeys: false });
  return { cause, event };
}

describe('configuration problems are reported as such', () => {
  it('metadata that names another issuer: set issuer to exactly the metadata’s issuer, or jwksUri', async () => {
    document = { issuer: `${metadata.origin}/tenant`, jwks_uri: keys.jwksUri };
    const { cause } = await configurationProblem(async () => verifierFor().verify(await token()));
    expect(cause.message).toBe(
      `configuration problem: ${metadata.origin}${RFC8414} names issuer "${metadata.origin}/tenant", not the configured issuer "${metadata.origin}" ` +
        `(RFC 8414 section 3.3 requires them to be equal); if that is your authorization server, set issuer to exactly "${metadata.origin}/tenant" ` +
        '(the iss of its tokens), or set jwksUri to skip discovery',
    );
    expect(keys.requests.jwks).toBe(0);
  });

  it('metadata without a jwks_uri: set jwksUri', async () => {
    document = { issuer: metadata.origin };
    const { cause } = await configurationProblem(async () => verifierFor().verify(await token()));
    expect(cause.message).toBe(`configuration problem: ${metadata.origin}${RFC8414} has no jwks_uri; set jwksUri to the authorization server's JWKS URL`);
  });

  it('a jwks_uri that the URL policy refuses: says why, and what to set', async () => {
    document = { issuer: metadata.origin, jwks_uri: 'http://192.0.2.10/jwks.json' };
    const { cause } = await configurationProblem(async () => verifierFor().verify(await token()));
    expect(cause.message).toBe(
      `configuration problem: ${metadata.origin}${RFC8414} names jwks_uri: 'http://192.0.2.10/jwks.json' must be an https URL; ` +
        "allowInsecureRequests: true allows http on localhost, 127.0.0.1 and [::1] only; for a development issuer on another host (a docker compose service), name it: allowInsecureRequests: { hosts: ['192.0.2.10'] } (never in production: over http, anyone on the network can serve you keys); " +
        'fix the metadata, or set jwksUri to a URL tollgate may fetch',
    );
  });

  it('no metadata at either well-known URL (404 at both): check issuer, or set jwksUri', async () => {
    const issuer = `${metadata.origin}/nothing-here`;
    const error = await rejectionOf(verifierFor(issuer).verify(await keys.sign({ iss: issuer })));
    expect(error).toBeInstanceOf(JwksUnavailableError);
    const cause = (error as JwksUnavailableError).cause as FetchJsonError;
    expect(cause.problem).toBe('configuration');
    expect(cause.message).toBe(
      `configuration problem: discovery failed for ${issuer}: no metadata at ${metadata.origin}/.well-known/oauth-authorization-server/nothing-here ` +
        `or ${issuer}/.well-known/openid-configuration (both 404); check that issuer is the authorization server's issuer identifier, or set jwksUri`,
    );
    expect(events).toEqual([{ outcome: 'failed', source: issuer, problem: 'configuration', error: cause.message, staleKeys: false }]);
  });

  it('control: an endpoint that fails (HTTP 500) is an endpoint problem', async () => {
    document = { issuer: metadata.origin, jwks_uri: keys.jwksUri };
    keys.setFault({ kind: 'error', status: 500 }, 'jwks');
    const error = await rejectionOf(verifierFor().verify(await token()));
    expect(((error as JwksUnavailableError).cause as FetchJsonError).problem).toBe('endpoint');
    expect(events).toEqual([{ outcome: 'failed', source: metadata.origin, problem: 'endpoint', error: `GET ${keys.jwksUri} responded 500`, staleKeys: false }]);
  });

  it('metadata that turns wrong while keys are in hand: the jwks_uri read before keeps serving, and the fetched event carries the problem', async () => {
    document = { issuer: metadata.origin, jwks_uri: keys.jwksUri };
    const clock = fakeClock();
    const verifier = createVerifier({ issuer: metadata.origin, audience: keys.audience, allowInsecureRequests: true, now: clock.now, jwks: { cacheMaxAge: 60, staleIfError: 0 } });
    await verifier.verify(await keys.sign({ iss: metadata.origin }, { now: clock.seconds() }));
    document = { issuer: 'https://elsewhere.example', jwks_uri: keys.jwksUri };
    clock.advance(61);
    await verifier.verify(await keys.sign({ iss: metadata.origin, sub: 'still' }, { now: clock.seconds() }));
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({
      outcome: 'fetched',
      metadataProblem: { problem: 'configuration', error: expect.stringMatching(/^configuration problem: .* names issuer "https:\/\/elsewhere\.example"/) },
    });
    expect(keys.requests.jwks).toBe(2);
  });
});
