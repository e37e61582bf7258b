// Koa's own error handling of tollgate's errors, Koa 2 and 3: without tollgateErrorHandler, ctx.onerror answers a
// refusal (expose: true) with its description as text, and a configuration error (expose: false) with a bare 500
// that Koa reports; a user's try/catch that rethrows leaves the refusal to Koa. Status, challenge, no leaks and
// the error classes a user's handler receives are checked for every adapter in test/adapters/.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { koaDriver } from '../../../test/adapters/drivers/index.js';
import { describeTargets, useApps, useSuiteApp } from '../../../test/adapters/harness.js';
import { refusalsApp, REFUSALS, sendRefusal } from '../../../test/adapters/refusals.js';
import { useIssuer } from '../../../test/support/issuer.js';
import { leaks } from '../../../test/support/leaks.js';

const issuer = useIssuer();
const start = useApps();

describeTargets([koaDriver], (_driver, target) => {
  describe('without a tollgate error handler', () => {
    const suite = useSuiteApp(target, () => refusalsApp(issuer.options(), 'default'));

    it.each(REFUSALS)('answers $name with its description as text, through the default onerror', async (refusal) => {
      const { res } = await sendRefusal(suite.app.url, issuer.current, refusal);
      expect(res.status).toBe(refusal.status);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      // Koa's default handler sends `err.message` of an error with `expose: true`.
      expect(res.text).toBe(refusal.error.description);
    });
  });

  it("answers an unconfigured requireScope with a bare 500 through the default onerror, reporting the TollgateConfigError", async () => {
    const handle = await target.load();
    const app = await start(handle, { routes: [{ path: '/orders', kind: 'standalone', scopes: ['orders:read'] }], errors: 'default' });
    const res = await request(app.url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
    expect(res.status).toBe(500);
    // The configuration error is not exposed (expose: false): its message stays out of the response.
    expect(res.text).toBe('Internal Server Error');
    expect(app.reached).toEqual([]);
    expect(app.errors).toHaveLength(1);
    expect(app.errors[0]).toBeInstanceOf(handle.module.TollgateConfigError);
  });

  it("a user's try/catch that handles only 401s rethrows an InsufficientScopeError, which Koa answers with 403 and the challenge", async () => {
    const handle = await target.load();
    const { TollgateError } = handle.module;
    const app = await start(
      handle,
      refusalsApp(issuer.options(), (error) =>
        error instanceof TollgateError && error.status === 401
          ? { status: error.status, headers: error.headers, body: { handledBy: 'user', code: error.code ?? null } }
          : undefined,
      ),
    );
    const token = await issuer.sign({ scope: 'orders:write' });
    const res = await request(app.url).get('/orders').set('Authorization', `Bearer ${token}`);
    expect(app.errors).toHaveLength(1);
    expect(app.errors[0]).toBeInstanceOf(handle.module.InsufficientScopeError);
    expect(app.errors[0]).not.toBeInstanceOf(handle.module.InvalidTokenError);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    );
    expect(res.text).toBe('token lacks a required scope');
    expect(leaks(res.text, token)).toEqual([]);
  });
});
