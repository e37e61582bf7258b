// Without any error handler in the app, a refusal is answered by tollgate itself (the same status, headers and
// JSON body as tollgateErrorHandler), so Express's final handler does not log every 401 to stderr as a server
// error. With an error handler of the user's, the refusal reaches it. Express 4 and 5. Status, challenge and the
// absence of leaks are checked for every adapter in test/adapters/error-handling.test.ts.
import type { ErrorRequestHandler } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expressDriver } from '../../../test/adapters/drivers/index.js';
import { describeTargets, useSuiteApp } from '../../../test/adapters/harness.js';
import { refusalsApp, REFUSALS, sendRefusal } from '../../../test/adapters/refusals.js';
import { byName, EXPRESS_VERSIONS } from '../../../test/support/frameworks.js';
import { useIssuer } from '../../../test/support/issuer.js';
import { serve, type Served } from '../../../test/support/server.js';
import { requireAuth, requireScope } from '../src/index.js';

const issuer = useIssuer();

describeTargets([expressDriver], (_driver, target) => {
  describe('without any error handler', () => {
    const suite = useSuiteApp(target, () => refusalsApp(issuer.options(), 'default'));

    it.each(REFUSALS)('answers $name itself, with the JSON body of tollgateErrorHandler', async (refusal) => {
      const { res } = await sendRefusal(suite.app.url, issuer.current, refusal);
      expect(res.status).toBe(refusal.status);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const { code, description } = refusal.error;
      expect(JSON.parse(res.text)).toEqual(code ? { error: code, error_description: description } : { error_description: description });
    });
  });
});

describe.each(byName(EXPRESS_VERSIONS))('%s, logging', (_name, version) => {
  const open: Served[] = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(open.splice(0).map((served) => served.close()));
  });

  const start = async (errorHandler?: ErrorRequestHandler) => {
    const app = version.module();
    // Outside 'test', Express's final handler logs every error that reaches it to stderr.
    app.set('env', 'development');
    app.use(requireAuth(issuer.options()));
    app.get('/orders', requireScope('orders:read'), (_req, res) => {
      res.json({ ok: true });
    });
    if (errorHandler) app.use(errorHandler);
    const served = await serve(app);
    open.push(served);
    return served.url;
  };

  it('logs nothing for refusals when the app has no error handler', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const url = await start();
    expect((await request(url).get('/orders')).status).toBe(401);
    expect((await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'profile' }))).status).toBe(403);
    expect(logged).not.toHaveBeenCalled();
  });

  it("hands refusals to the user's error handler when there is one", async () => {
    const seen: unknown[] = [];
    const url = await start((error, _req, res, _next) => {
      seen.push(error);
      res.status(418).json({ mine: true });
    });
    const res = await request(url).get('/orders');
    expect(res.status).toBe(418);
    expect(seen).toHaveLength(1);
    expect((seen[0] as Error).name).toBe('MissingTokenError');
  });

  it('notices an error handler added later to a router already mounted', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const app = version.module();
    const api = version.module.Router();
    api.use(requireAuth(issuer.options()));
    api.get('/orders', (_req, res) => {
      res.json({ ok: true });
    });
    app.use('/api', api);
    const served = await serve(app);
    open.push(served);
    expect((await request(served.url).get('/api/orders')).body).toEqual({ error_description: 'bearer token required' });
    api.use(((_error, _req, res, _next) => {
      res.status(418).json({ mine: true });
    }) as ErrorRequestHandler);
    expect((await request(served.url).get('/api/orders')).status).toBe(418);
  });

  it('a refusal after the response has started is left to Express, which ends it (no hanging 200)', async () => {
    const app = version.module();
    app.use((_req, res, next) => {
      res.flushHeaders();
      next();
    });
    app.use(requireAuth(issuer.options()));
    app.get('/orders', (_req, res) => {
      res.end('never');
    });
    const served = await serve(app);
    open.push(served);
    const settled = await Promise.race([
      request(served.url).get('/orders').then(
        (res) => `answered ${res.status} ${res.text}`,
        () => 'connection ended',
      ),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 3000)),
    ]);
    expect(settled).not.toBe('hung');
    expect(settled).not.toContain('never');
  });
});
