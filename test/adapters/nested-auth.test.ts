// A requireAuth behind another authentication: it trusts the upstream token only if its very verifier instance
// checked it in this request (a wrapper around the same verifier runs its own rule), and an optional pass upstream
// is no authentication for it. Express and Koa, every major.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DECISION_CHANNEL, type DecisionEvent, type Verifier } from '@tollgate/core';
import request from 'supertest';
import { beforeAll, expect, it } from 'vitest';
import { useIssuer } from '../support/issuer.js';
import type { AdapterHandle } from './driver.js';
import { MIDDLEWARE_DRIVERS } from './drivers/index.js';
import { describeTargets, useApps } from './harness.js';

const AUDIENCE_B = 'https://b.example.test';
const AUDIENCE_MISMATCH = 'Bearer realm="api", error="invalid_token", error_description="audience mismatch"';

const issuer = useIssuer();
const start = useApps();
const optionsForB = () => ({ ...issuer.options(), audience: AUDIENCE_B });

describeTargets(MIDDLEWARE_DRIVERS, (_driver, target) => {
  let handle: AdapterHandle;
  beforeAll(async () => {
    handle = await target.load();
  });

  it('a token verified app-wide for audience A is checked again by requireAuth for audience B: 401 audience mismatch', async () => {
    const { url } = await start(handle, {
      auth: { options: issuer.options() },
      routes: [
        { path: '/a', kind: 'echo' },
        { path: '/b', kind: 'requireAuth', options: optionsForB() },
      ],
    });
    const forA = await issuer.bearer({ scope: 'orders:read' });
    await request(url).get('/a').set('Authorization', forA).expect(200);
    const res = await request(url).get('/b').set('Authorization', forA);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(AUDIENCE_MISMATCH);
    // A token for both APIs passes both.
    const forBoth = await issuer.bearer({ scope: 'orders:read', aud: [issuer.current.audience, AUDIENCE_B] });
    const both = await request(url).get('/b').set('Authorization', forBoth);
    expect(both.status).toBe(200);
    expect(both.body.auth.audience).toEqual([issuer.current.audience, AUDIENCE_B]);
  });

  it('the same verifier app-wide and on the route verifies once', async () => {
    const verifier = handle.module.createVerifier(issuer.options());
    const events: DecisionEvent[] = [];
    const collect = (event: unknown) => events.push(event as DecisionEvent);
    const { url } = await start(handle, { auth: { options: verifier }, routes: [{ path: '/b', kind: 'requireAuth', options: verifier }] });
    subscribe(DECISION_CHANNEL, collect);
    try {
      await request(url).get('/b').set('Authorization', await issuer.bearer()).expect(200);
    } finally {
      unsubscribe(DECISION_CHANNEL, collect);
    }
    expect(events.map((event) => `${event.stage} ${event.outcome}`)).toEqual(['authentication accepted']);
  });

  it('after an optional app-wide requireAuth found no token, a required requireAuth on the route answers 401', async () => {
    const { url } = await start(handle, {
      auth: { options: issuer.options(), guard: { optional: true } },
      routes: [
        { path: '/feed', kind: 'echo' },
        { path: '/private', kind: 'requireAuth', options: issuer.options() },
      ],
    });
    await request(url).get('/feed').expect(200);
    const res = await request(url).get('/private');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    await request(url).get('/private').set('Authorization', await issuer.bearer()).expect(200);
  });

  it('a wrapping verifier (a tenant rule around the app-wide verifier) runs its rule although the same options verified the token', async () => {
    const base = handle.module.createVerifier(issuer.options());
    const tenantA: Verifier = {
      options: base.options,
      verify: base.verify,
      authenticate: async (req, options) => {
        const token = await base.authenticate(req, options);
        if (token && token.claims.tenant !== 'a') throw new handle.module.InvalidTokenError('wrong tenant', { reason: 'invalid_claim' });
        return token;
      },
    };
    const { url } = await start(handle, {
      auth: { options: base },
      routes: [
        { path: '/any', kind: 'echo' },
        { path: '/tenant-a', kind: 'requireAuth', options: tenantA },
      ],
    });
    const forB = await issuer.bearer({ tenant: 'b' });
    await request(url).get('/any').set('Authorization', forB).expect(200);
    const res = await request(url).get('/tenant-a').set('Authorization', forB);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="wrong tenant"');
    await request(url).get('/tenant-a').set('Authorization', await issuer.bearer({ tenant: 'a' })).expect(200);
  });
});
