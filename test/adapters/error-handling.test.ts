// Without tollgateErrorHandler, the framework's own error handling still answers with tollgate's status and
// challenge and gives nothing away; a user's own error handler receives tollgate's error classes.
// Every adapter, every framework major. How each framework renders the body is checked in its package's tests.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useIssuer } from '../support/issuer.js';
import { leaks } from '../support/leaks.js';
import type { AdapterModule } from './driver.js';
import { DRIVERS } from './drivers/index.js';
import { describeTargets, useSuiteApp } from './harness.js';
import { refusalsApp, REFUSALS, sendRefusal } from './refusals.js';

const issuer = useIssuer();

describeTargets(DRIVERS, (_driver, target) => {
  describe("the framework's own error handling", () => {
    const suite = useSuiteApp(target, () => refusalsApp(issuer.options(), 'default'));

    it.each(REFUSALS)('answers $name with status $status and the challenge, leaking nothing', async (refusal) => {
      const { res, token } = await sendRefusal(suite.app.url, issuer.current, refusal);
      expect(res.status).toBe(refusal.status);
      expect(res.headers['www-authenticate']).toBe(refusal.challenge);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(leaks(res.text, token)).toEqual([]);
    });

    it('lets a request with the scope through', async () => {
      const res = await request(suite.app.url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ auth: { subject: 'client-123', audience: [issuer.current.audience], scopes: ['orders:read'] } });
    });
  });

  describe("the user's own error handler", () => {
    const suite = useSuiteApp(target, (module) =>
      refusalsApp(issuer.options(), (err) =>
        err instanceof module.TollgateError
          ? { status: err.status, headers: err.headers, body: { handledBy: 'user', code: err.code ?? null } }
          : { status: 500, body: { handledBy: 'user', code: 'other' } },
      ),
    );

    it('receives an InvalidTokenError with status 401 and the WWW-Authenticate header', async () => {
      suite.app.errors.length = 0;
      const res = await request(suite.app.url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }, { expiresIn: -120 }));
      expect(suite.app.errors).toHaveLength(1);
      const err = suite.app.errors[0];
      expect(err).toBeInstanceOf(suite.handle.module.InvalidTokenError);
      expect(err).toBeInstanceOf(suite.handle.module.TollgateError);
      const invalid = err as InstanceType<AdapterModule['InvalidTokenError']>;
      expect(invalid.status).toBe(401);
      expect(invalid.statusCode).toBe(401);
      expect(invalid.code).toBe('invalid_token');
      expect(invalid.reason).toBe('expired');
      expect(invalid.expose).toBe(true);
      expect(invalid.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="api", error="invalid_token", error_description="token expired"', 'Cache-Control': 'no-store' });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="token expired"');
      expect(res.body).toEqual({ handledBy: 'user', code: 'invalid_token' });
    });

    it('receives an InsufficientScopeError with status 403, which an InvalidTokenError check does not catch', async () => {
      suite.app.errors.length = 0;
      const res = await request(suite.app.url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:write' }));
      expect(suite.app.errors).toHaveLength(1);
      expect(suite.app.errors[0]).toBeInstanceOf(suite.handle.module.InsufficientScopeError);
      expect(suite.app.errors[0]).not.toBeInstanceOf(suite.handle.module.InvalidTokenError);
      const insufficient = suite.app.errors[0] as InstanceType<AdapterModule['InsufficientScopeError']>;
      expect(insufficient.status).toBe(403);
      expect(insufficient.statusCode).toBe(403);
      expect(res.status).toBe(403);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
      );
      expect(res.body).toEqual({ handledBy: 'user', code: 'insufficient_scope' });
    });
  });
});
