// Multi-tenant issuers through every adapter (Express, Koa, Fastify; every framework major): tenants behind one
// origin, an issuer pattern and an issuer function; an untrusted tenant is refused with 401 and costs no request,
// a function that fails answers 401 or 503, never a pass or a 500.
import type { AdapterOptions } from '@tollgate/core';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTenantIssuers, type TenantIssuers } from '../../packages/core/test/support/tenant-issuers.js';
import { DRIVERS } from './drivers/index.js';
import { describeTargets, useApps } from './harness.js';

const AUDIENCE = 'https://api.example.test';
const ISSUER_MISMATCH = 'Bearer realm="api", error="invalid_token", error_description="issuer mismatch"';
let tenants: TenantIssuers;

beforeAll(async () => {
  tenants = await startTenantIssuers(['alpha', 'beta', 'gamma']);
});
afterAll(() => tenants.close());
beforeEach(() => tenants.resetRequests());

const start = useApps();
const bearer = async (name: string) => `Bearer ${await tenants.tenants[name]!.sign({ scope: 'orders:read' })}`;

describeTargets(DRIVERS, (_driver, target) => {
  const app = async (issuer: AdapterOptions['issuer'], extra: Partial<AdapterOptions> = {}) => {
    const handle = await target.load();
    const options: AdapterOptions = { issuer, audience: AUDIENCE, allowInsecureRequests: true, ...extra };
    return start(handle, { auth: { options }, routes: [{ path: '/orders', kind: 'scopes', scopes: ['orders:read'] }] });
  };

  describe('an issuer pattern with an allow-list', () => {
    it('lets each listed tenant in with its own keys, and refuses another with 401 before any request', async () => {
      const { url, reached } = await app({ pattern: tenants.pattern, tenants: ['alpha', 'beta'] });
      expect((await request(url).get('/orders').set('Authorization', await bearer('alpha'))).status).toBe(200);
      expect((await request(url).get('/orders').set('Authorization', await bearer('beta'))).status).toBe(200);
      tenants.resetRequests();
      const refused = await request(url).get('/orders').set('Authorization', await bearer('gamma'));
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe(ISSUER_MISMATCH);
      expect(refused.body).toEqual({ error: 'invalid_token', error_description: 'issuer mismatch' });
      expect(tenants.requests).toEqual([]);
      expect(tenants.upstreamRequests()).toBe(0);
      expect(reached).toHaveLength(2);
    });
  });

  describe('an issuer function', () => {
    it('trusts what it answers true for', async () => {
      const { url } = await app(async (iss) => iss === tenants.tenants.alpha!.issuer);
      expect((await request(url).get('/orders').set('Authorization', await bearer('alpha'))).status).toBe(200);
      const refused = await request(url).get('/orders').set('Authorization', await bearer('beta'));
      expect([refused.status, refused.headers['www-authenticate']]).toEqual([401, ISSUER_MISMATCH]);
      expect(tenants.tenants.beta!.server.requests.total).toBe(0);
    });

    it('that throws: 401, not a pass and not a 500', async () => {
      const { url, reached } = await app(() => {
        throw new Error('tenant database is down');
      });
      const res = await request(url).get('/orders').set('Authorization', await bearer('alpha'));
      expect([res.status, res.headers['www-authenticate']]).toEqual([401, ISSUER_MISMATCH]);
      expect(res.text).not.toContain('tenant database');
      expect(reached).toEqual([]);
    });

    it('that never answers: 503 with Retry-After once jwks.timeout has passed', async () => {
      const { url, reached } = await app(() => new Promise<boolean>(() => {}), { jwks: { timeout: 0.2 } });
      const res = await request(url).get('/orders').set('Authorization', await bearer('alpha'));
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('30');
      expect(res.body).toEqual({ error: 'temporarily_unavailable', error_description: 'signing keys are temporarily unavailable' });
      expect(reached).toEqual([]);
      expect(tenants.upstreamRequests()).toBe(0);
    });
  });
});
