// @tollgate/hono over real HTTP through @hono/node-server: the token at c.get('auth'), refusals as HTTPException
// answered exactly by Hono's default handler and by app.onError, two Authorization headers, form bodies.
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { send } from '../../../test/conformance/http.js';
import { useIssuer } from '../../../test/support/issuer.js';
import { serve, type Served } from '../../../test/support/server.js';
import {
  createVerifier,
  InsufficientScopeError,
  InvalidRequestError,
  renderProblemJson,
  requireAnyScope,
  requireAuth,
  requireScope,
  TollgateError,
  tollgateErrorHandler,
  TollgateHttpException,
} from '../src/index.js';

const issuer = useIssuer();
const running: Served[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(running.splice(0).map((served) => served.close()));
});

async function listen(app: Hono): Promise<Served & { port: number }> {
  const served = await serve(getRequestListener(app.fetch));
  running.push(served);
  return { ...served, port: Number(new URL(served.url).port) };
}

const summary = (app: Hono): Hono =>
  app.get('*', (c) => c.json({ client: c.get('auth')?.clientId ?? null, scopes: c.get('auth')?.scopes ?? null }));

/** An app with the three guards on three routes; errors left to Hono's default handler. */
function ordersApp(): Hono {
  const app = new Hono();
  const auth = requireAuth(issuer.options());
  app.get('/me', auth, (c) => c.json({ client: c.get('auth')?.clientId }));
  app.get('/orders', auth, requireScope('orders:read'), (c) => c.json({ scopes: c.var.auth?.scopes }));
  app.get('/any', auth, requireAnyScope('a', 'b'), (c) => c.json({ ok: true }));
  app.get('/optional', requireAuth(issuer.options(), { optional: true }), (c) => c.json({ auth: c.get('auth') ?? null }));
  return app;
}

describe('requireAuth, requireScope and requireAnyScope on Hono', () => {
  it('puts the verified token at c.get("auth") and c.var.auth', async () => {
    const app = await listen(ordersApp());
    const res = await request(app.url).get('/me').set('Authorization', await issuer.bearer());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ client: 'client-123' });
    const orders = await request(app.url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read other' }));
    expect(orders.body).toEqual({ scopes: ['orders:read', 'other'] });
  });

  it('answers a request without a token with 401, a bare challenge, no-store and the JSON body, and logs nothing', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const app = await listen(ordersApp());
    const res = await request(app.url).get('/me');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({ error_description: 'bearer token required' });
    // Hono's default handler answers an HTTPException by its getResponse(), without console.error.
    expect(logged).not.toHaveBeenCalled();
  });

  it('answers a token lacking a scope with 403 insufficient_scope and the scopes required', async () => {
    const app = await listen(ordersApp());
    const res = await request(app.url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:write' }));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"');
    expect(res.body).toEqual({ error: 'insufficient_scope', error_description: 'token lacks a required scope' });
    const any = await request(app.url).get('/any').set('Authorization', await issuer.bearer({ scope: 'b' }));
    expect(any.status).toBe(200);
  });

  it('lets an optional route through without a token, and still refuses a bad one', async () => {
    const app = await listen(ordersApp());
    expect((await request(app.url).get('/optional')).body).toEqual({ auth: null });
    const bad = await request(app.url).get('/optional').set('Authorization', 'Bearer not.a.token');
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe('invalid_token');
  });

  it('answers 503 with Retry-After when the keys cannot be fetched', async () => {
    const app = new Hono();
    app.get('/me', requireAuth({ ...issuer.options(), jwks: { cooldown: 17, timeout: 2 } }), (c) => c.text('no'));
    const served = await listen(app);
    const token = await issuer.sign();
    issuer.current.setFault({ kind: 'down' });
    try {
      const res = await request(served.url).get('/me').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('17');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body.error).toBe('temporarily_unavailable');
    } finally {
      issuer.current.setFault(null);
    }
  });
});

describe('refusals in app.onError', () => {
  it('reach a user onError as a TollgateHttpException: an HTTPException whose getResponse() is the exact response, every time', async () => {
    const seen: unknown[] = [];
    const app = ordersApp();
    app.onError((err, c) => {
      seen.push(err);
      return err instanceof HTTPException ? err.getResponse() : c.text('other', 500);
    });
    const served = await listen(app);
    const res = await request(served.url).get('/orders').set('Authorization', await issuer.bearer());
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('scope="orders:read"');
    expect(res.body).toEqual({ error: 'insufficient_scope', error_description: 'token lacks a required scope' });
    const [error] = seen as [TollgateHttpException];
    expect(error).toBeInstanceOf(HTTPException);
    expect(error).toBeInstanceOf(TollgateHttpException);
    expect(error.status).toBe(403);
    expect(error.error).toBeInstanceOf(InsufficientScopeError);
    expect(error.cause).toBe(error.error);
    expect(error.error.reason).toBe('insufficient_scope');
    // A Response body is read once; getResponse() builds a new one each call.
    expect(await error.getResponse().text()).toBe(await error.getResponse().text());
    expect(error.res?.headers.get('cache-control')).toBe('no-store');
  });

  it('tollgateErrorHandler renders refusals with its renderer, bare TollgateErrors from handlers too, and hands other errors on', async () => {
    const app = ordersApp();
    app.get('/thrown', () => {
      throw new InvalidRequestError('thrown by the handler', { reason: 'malformed_parameter' });
    });
    app.get('/boom', () => {
      throw new Error('boom');
    });
    app.onError(tollgateErrorHandler({ render: renderProblemJson, otherwise: (_err, c) => c.json({ handledBy: 'otherwise' }, 500) }));
    const served = await listen(app);
    const res = await request(served.url).get('/me');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(JSON.parse(res.text)).toEqual({ type: 'about:blank', title: 'unauthorized', status: 401, detail: 'bearer token required' });
    const thrown = await request(served.url).get('/thrown');
    expect(thrown.status).toBe(400);
    expect(thrown.headers['www-authenticate']).toBe('Bearer error="invalid_request", error_description="thrown by the handler"');
    expect((await request(served.url).get('/boom')).body).toEqual({ handledBy: 'otherwise' });
  });

  it('tollgateErrorHandler keeps headers set on the context before the refusal (CORS)', async () => {
    const app = new Hono();
    app.use(async (c, next) => {
      c.header('Access-Control-Allow-Origin', 'https://app.example');
      await next();
    });
    app.get('/me', requireAuth(issuer.options()), (c) => c.text('ok'));
    app.onError(tollgateErrorHandler());
    const served = await listen(app);
    const res = await request(served.url).get('/me');
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
  });
});

describe('two Authorization headers', () => {
  it('on Node: refused as "more than one Authorization header", read from c.env.incoming.rawHeaders', async () => {
    const app = await listen(ordersApp());
    const [first, second] = [await issuer.sign(), await issuer.sign()];
    for (const path of ['/me', '/optional']) {
      const res = await send(app.port, { path, headers: [['Authorization', `Bearer ${first}`], ['Authorization', `Bearer ${second}`]] });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toEqual({ error: 'invalid_request', error_description: 'more than one Authorization header' });
    }
    // Even when the second one is empty or of another scheme.
    const withBasic = await send(app.port, { path: '/me', headers: [['Authorization', `Bearer ${first}`], ['authorization', 'Basic dXNlcjpwYXNz']] });
    expect(withBasic.status).toBe(400);
  });

  it('without Node raw headers (Bun, Deno, workerd, app.request): the merged "Bearer a, Bearer b" is refused as malformed, never half-accepted', async () => {
    const app = ordersApp();
    const headers = new Headers();
    headers.append('Authorization', `Bearer ${await issuer.sign()}`);
    headers.append('Authorization', `Bearer ${await issuer.sign()}`);
    expect(headers.get('authorization')).toMatch(/^Bearer \S+, Bearer \S+$/);
    for (const path of ['/me', '/optional']) {
      const res = await app.request(path, { headers });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'malformed Authorization header' });
    }
  });

  it('without Node raw headers, "Basic x" then "Bearer t" merge into credentials of another scheme: the bearer token is never used', async () => {
    const app = ordersApp();
    const headers = new Headers();
    headers.append('Authorization', 'Basic dXNlcjpwYXNz');
    headers.append('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:read' })}`);
    const res = await app.request('/orders', { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(await (await app.request('/optional', { headers })).json()).toEqual({ auth: null });
  });

  it('ignores an env whose incoming is not Node request-like; the merged header still decides', async () => {
    const app = ordersApp();
    const res = await app.request('/me', { headers: { Authorization: await issuer.bearer() } }, { incoming: { rawHeaders: 'not a list' } });
    expect(res.status).toBe(200);
  });
});

describe('token in a form body (allowBody)', () => {
  const parseFirst = (app: Hono): Hono =>
    app.use(async (c, next) => {
      if (c.req.method === 'POST') await c.req.parseBody();
      await next();
    });

  it('reads access_token from a form body that a middleware before it parsed (Hono caches it for the handler too)', async () => {
    const app = parseFirst(new Hono());
    app.post('/orders', requireAuth(issuer.options(), { allowBody: true }), async (c) => c.json({ client: c.get('auth')?.clientId, form: await c.req.parseBody() }));
    const served = await listen(app);
    const token = await issuer.sign();
    const res = await request(served.url).post('/orders').type('form').send({ access_token: token, item: 'tea' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ client: 'client-123', form: { access_token: token, item: 'tea' } });
  });

  it('refuses a body token without allowBody, and a token in both header and body', async () => {
    const app = parseFirst(new Hono());
    app.post('/closed', requireAuth(issuer.options()), (c) => c.text('no'));
    app.post('/open', requireAuth(issuer.options(), { allowBody: true }), (c) => c.text('no'));
    const served = await listen(app);
    const token = await issuer.sign();
    const closed = await request(served.url).post('/closed').type('form').send({ access_token: token });
    expect(closed.status).toBe(400);
    expect(closed.body.error_description).toBe('access_token in the body is not accepted; use the Authorization header');
    const both = await request(served.url).post('/open').set('Authorization', `Bearer ${token}`).type('form').send({ access_token: token });
    expect(both.body.error_description).toBe('token sent by more than one method');
  });

  it('never reads an unparsed body itself: an unparsed body token is a request without a token', async () => {
    const app = new Hono();
    app.post('/orders', requireAuth(issuer.options(), { allowBody: true }), async (c) => c.text(await c.req.text()));
    const served = await listen(app);
    const res = await request(served.url).post('/orders').type('form').send({ access_token: await issuer.sign() });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error_description: 'bearer token required' });
  });
});

describe('one verifier for many routes', () => {
  it('accepts a verifier made by createVerifier, and the guard options beside it', async () => {
    const verifier = createVerifier(issuer.options());
    const app = new Hono();
    app.use(requireAuth(verifier, { allowQuery: true }));
    summary(app);
    const served = await listen(app);
    const res = await request(served.url).get('/x').query({ access_token: await issuer.sign() });
    expect(res.body).toEqual({ client: 'client-123', scopes: [] });
  });

  it('re-exports core, so instanceof matches across packages', () => {
    expect(new InsufficientScopeError(['a'])).toBeInstanceOf(TollgateError);
  });
});
