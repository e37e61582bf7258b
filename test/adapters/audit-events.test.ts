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
