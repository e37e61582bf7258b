// Audit events through every adapter and framework major: the same decisions, in the same order, as core publishes.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DECISION_CHANNEL, type DecisionEvent } from '@tollgate/core';
import request from 'supertest';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { useIssuer } from '../support/issuer.js';
import type { AdapterHandle, RouteSpec } from './driver.js';
import { DRIVERS } from './drivers/index.js';
import { describeTargets, useApps } from './harness.js';

const issuer = useIssuer();
const start = useApps();
const ROUTES: readonly RouteSpec[] = [{ path: '/orders', kind: 'scopes', scopes: ['orders:write'] }];

let events: DecisionEvent[] = [];
const collect = (event: unknown) => events.push(event as DecisionEvent);
beforeEach(() => {
  events = [];
  subscribe(DECISION_CHANNEL, collect);
});
afterEach(() => {
  unsubscribe(DECISION_CHANNEL, collect);
});
const summary = () => events.map((event) => `${event.stage} ${event.outcome}${event.outcome === 'rejected' ? ` ${event.status} ${event.reason}` : ''}`);

describeTargets(DRIVERS, (_driver, target) => {
  let handle: AdapterHandle;
  beforeAll(async () => {
    handle = await target.load();
  });

  it('publishes the authentication and then the authorization decision of each request, and only those', async () => {
    const { url } = await start(handle, { auth: { options: issuer.options() }, routes: ROUTES });
    await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:write', jti: 'w-1' })).expect(200);
    await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' })).expect(403);
    await request(url).get('/orders').set('Authorization', await issuer.bearer({}, { expiresIn: -60 })).expect(401);
    await request(url).get('/orders').expect(401);
    expect(summary()).toEqual([
      'authentication accepted',
      'authorization accepted',
      'authentication accepted',
      'authorization rejected 403 insufficient_scope',
      'authentication rejected 401 expired',
      'authentication rejected 401 missing_token',
    ]);
    expect(events[1]).toMatchObject({ tokenId: 'w-1', clientId: 'client-123', requiredScopes: ['orders:write'] });
  });
});

// RFC 9470 step-up: its refusal (401 insufficient_user_authentication) and its acceptance are decisions too.
it('publishes the step-up decision of a route, naming what it asked for, never the acr or auth_time', async () => {
  const express = (await import('express')).default;
  const { createServer } = await import('node:http');
  const tg = await import('@tollgate/express');
  const app = express();
  app.post('/pay', tg.requireAuth(issuer.options()), tg.requireStepUp({ acrValues: ['urn:mfa'], maxAge: 300 }), (_req, res) => res.json({ paid: true }));
  app.use(tg.tollgateErrorHandler());
  const server = createServer(app);
  const now = Math.floor(Date.now() / 1000);
  try {
    await request(server).post('/pay').set('Authorization', await issuer.bearer({ acr: 'urn:password', auth_time: now - 3600 })).expect(401);
    await request(server).post('/pay').set('Authorization', await issuer.bearer({ acr: 'urn:mfa', auth_time: now - 10 })).expect(200);
  } finally {
    server.close();
  }
  expect(summary()).toEqual(['authentication accepted', 'authorization rejected 401 insufficient_user_authentication', 'authentication accepted', 'authorization accepted']);
  expect(events[1]).toMatchObject({ stepUp: { acrValues: ['urn:mfa'], maxAge: 300 }, clientId: 'client-123' });
  expect(events[3]).toMatchObject({ stepUp: { acrValues: ['urn:mfa'], maxAge: 300 } });
  expect(JSON.stringify(events)).not.toContain('urn:password');
});
