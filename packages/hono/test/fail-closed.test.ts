// What a Hono app written slightly differently gets: every variant fails closed. Unconfigured standalone
// requireScope, empty scope lists, a user middleware without `await next()`, sub-apps (app.route, basePath,
// a separately fetched app), two apps in one process, a token set by other code. configure() runs last.
import { getRequestListener } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useIssuer } from '../../../test/support/issuer.js';
import { serve, type Served } from '../../../test/support/server.js';
import { configure, createVerifier, requireAnyScope, requireAuth, requireScope, TollgateConfigError, type AccessToken } from '../src/index.js';

const issuer = useIssuer();
const running: Served[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(running.splice(0).map((served) => served.close()));
});

async function listen(app: Hono): Promise<string> {
  const served = await serve(getRequestListener(app.fetch));
  running.push(served);
  return served.url;
}

const answer = (c: Context) => c.json({ client: c.get('auth')?.clientId ?? null });

describe('without configure()', () => {
  it('answers a standalone requireScope with a bare 500 that Hono logs as the TollgateConfigError, never reaching the handler', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const reached = vi.fn(answer);
    const app = new Hono();
    app.get('/orders', requireScope('orders:read'), reached);
    const url = await listen(app);
    const res = await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
    expect(res.status).toBe(500);
    expect(res.text).toBe('Internal Server Error');
    expect(reached).not.toHaveBeenCalled();
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0]![0]).toBeInstanceOf(TollgateConfigError);
    expect(String((logged.mock.calls[0]![0] as Error).message)).toContain('@tollgate/hono: requireScope() has no verifier');
  });

  it('does not trust a token that other code set with c.set("auth")', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const app = new Hono();
    app.use(async (c, next) => {
      c.set('auth', { clientId: 'forged', scopes: ['orders:read'] } as unknown as AccessToken);
      await next();
    });
    app.get('/orders', requireScope('orders:read'), answer);
    const res = await request(await listen(app)).get('/orders');
    expect(res.status).toBe(500);
  });

  it('answers requireScope placed before requireAuth in a chain with the 500 too (it cannot borrow a later decision)', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const app = new Hono();
    app.get('/orders', requireScope('orders:read'), requireAuth(issuer.options()), answer);
    const res = await request(await listen(app)).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
    expect(res.status).toBe(500);
  });

  it('refuses an empty scope list where the middleware is created', () => {
    expect(() => requireScope()).toThrow(TollgateConfigError);
    expect(() => requireAnyScope()).toThrow(/names no scope/);
    expect(() => requireScope('orders:read', '')).toThrow(TollgateConfigError);
  });

  it('refuses bad options at creation', () => {
    expect(() => requireAuth({ issuer: 'https://auth.example.test/' } as never)).toThrow(TollgateConfigError);
    expect(() => requireAuth(issuer.options(), { optional: 'yes' } as never)).toThrow(TollgateConfigError);
  });
});

describe('a user middleware before tollgate that forgets `await next()`', () => {
  it('never yields a 2xx for a request without a token, and leaves no unhandled rejection', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const reached = vi.fn(answer);
      const app = new Hono();
      app.use(async (_c, next) => {
        void next(); // the mistake
      });
      app.get('/me', requireAuth(issuer.options()), reached);
      const res = await request(await listen(app)).get('/me');
      // Hono answers a context that was not finalized with a 500; the refusal, thrown later, is caught by compose.
      expect(res.status).toBe(500);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(reached).not.toHaveBeenCalled();
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});

describe('sub-apps', () => {
  it('app.route(): a sub-app protected with use(requireAuth) guards its routes only, and its requireScope goes by that decision', async () => {
    const api = new Hono();
    api.use(requireAuth(issuer.options()));
    api.get('/orders', requireScope('orders:read'), answer);
    const app = new Hono();
    app.route('/api', api);
    app.get('/public', answer);
    const url = await listen(app);
    expect((await request(url).get('/api/orders')).status).toBe(401);
    expect((await request(url).get('/api/orders').set('Authorization', await issuer.bearer({ scope: 'orders:write' }))).status).toBe(403);
    expect((await request(url).get('/api/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }))).body).toEqual({ client: 'client-123' });
    expect((await request(url).get('/api/unknown')).status).toBe(401);
    expect((await request(url).get('/public')).body).toEqual({ client: null });
  });

  it('follows Hono\'s registration order: a parent route under /api registered before app.route() runs first, unguarded; one after is guarded', async () => {
    const api = new Hono();
    api.use(requireAuth(issuer.options()));
    const app = new Hono();
    app.get('/api/before', answer);
    app.route('/api', api);
    app.get('/api/after', answer);
    const url = await listen(app);
    expect((await request(url).get('/api/before')).status).toBe(200);
    expect((await request(url).get('/api/after')).status).toBe(401);
  });

  it('a parent app.use("/api/*", requireAuth) reaches the routes of a sub-app mounted there', async () => {
    const api = new Hono();
    api.get('/orders', requireScope('orders:read'), answer);
    const app = new Hono();
    app.use('/api/*', requireAuth(issuer.options()));
    app.route('/api', api);
    const url = await listen(app);
    expect((await request(url).get('/api/orders')).status).toBe(401);
    expect((await request(url).get('/api/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }))).status).toBe(200);
  });

  it('basePath(): app-wide requireAuth guards every route under the base path', async () => {
    const app = new Hono().basePath('/v1');
    app.use(requireAuth(issuer.options()));
    app.get('/me', answer);
    const url = await listen(app);
    expect((await request(url).get('/v1/me')).status).toBe(401);
    expect((await request(url).get('/v1/me').set('Authorization', await issuer.bearer())).status).toBe(200);
  });

  it('an app called through its fetch (app.mount, a proxy) is another request: the outer decision does not cross into it', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const inner = new Hono();
    inner.get('/orders', requireScope('orders:read'), answer);
    const app = new Hono();
    app.use(requireAuth(issuer.options()));
    app.mount('/inner', inner.fetch);
    const res = await request(await listen(app)).get('/inner/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
    expect(res.status).toBe(500);
  });
});

describe('two apps in one process', () => {
  it('each requireAuth keeps its own verifier: a token for one API is refused by the other, and scope guards follow their own app', async () => {
    const a = new Hono();
    a.get('/orders', requireAuth(issuer.options()), requireScope('orders:read'), answer);
    const b = new Hono();
    b.get('/orders', requireAuth({ ...issuer.options(), audience: 'https://other.example.test' }), requireScope('orders:read'), answer);
    const [urlA, urlB] = [await listen(a), await listen(b)];
    const token = await issuer.bearer({ scope: 'orders:read' });
    expect((await request(urlA).get('/orders').set('Authorization', token)).status).toBe(200);
    const refused = await request(urlB).get('/orders').set('Authorization', token);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: 'invalid_token', error_description: 'audience mismatch' });
  });
});

describe('with configure() (the last describe: configure() is one default for the process)', () => {
  it('lets a standalone requireScope authenticate, app-wide too; configure({ optional }) never opens it', async () => {
    configure({ ...issuer.options(), optional: true });
    const app = new Hono();
    app.use(requireScope('orders:read'));
    app.get('/orders', answer);
    const url = await listen(app);
    expect((await request(url).get('/orders')).status).toBe(401);
    expect((await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:write' }))).status).toBe(403);
    expect((await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }))).body).toEqual({ client: 'client-123' });
  });

  it('returns the verifier, to share with requireAuth (one JWKS cache)', async () => {
    const verifier = configure(createVerifier(issuer.options()));
    const app = new Hono();
    app.get('/me', requireAuth(verifier), answer);
    expect((await request(await listen(app)).get('/me').set('Authorization', await issuer.bearer())).status).toBe(200);
  });

  it("a sub-app's requireAuth (app.route) lends nothing to a parent route whose pattern also matches: requireScope checks with configure()'s verifier", async () => {
    configure({ ...issuer.options(), audience: 'https://b.example.test' });
    const partner = new Hono();
    partner.use(requireAuth({ ...issuer.options(), audience: 'https://a.example.test' }));
    partner.get('/catalog', answer);
    const app = new Hono();
    app.route('/partner', partner);
    app.get('/:tenant/orders', requireScope('orders:read'), (c) => c.json({ audience: c.get('auth')?.audience }));
    const url = await listen(app);
    const forA = await issuer.bearer({ aud: 'https://a.example.test', scope: 'orders:read' });
    expect((await request(url).get('/partner/catalog').set('Authorization', forA)).status).toBe(200);
    const refused = await request(url).get('/partner/orders').set('Authorization', forA);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: 'invalid_token', error_description: 'audience mismatch' });
    const forB = await issuer.bearer({ aud: 'https://b.example.test', scope: 'orders:read' });
    expect((await request(url).get('/acme/orders').set('Authorization', forB)).body).toEqual({ audience: ['https://b.example.test'] });
  });
});
