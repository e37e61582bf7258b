// requireAuth decides a cached token (or a remembered refusal) synchronously and calls next() at once: an
// error of the route after it is the route's, answered once by the app's error handler, never a refusal.
// Express 4 and 5.
import { tamperSignature } from '@tollgate/testing';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { byName, EXPRESS_VERSIONS } from '../../../test/support/frameworks.js';
import { useIssuer } from '../../../test/support/issuer.js';
import { serve, type Served } from '../../../test/support/server.js';
import { requireAuth, TollgateError } from '../src/index.js';

const issuer = useIssuer();
const open: Served[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((served) => served.close()));
});

describe.each(byName(EXPRESS_VERSIONS))('%s', (_name, version) => {
  it('a route that throws after a verified, then cached, token is answered once by the app, never as a refusal', async () => {
    const app = version.module();
    const handled: string[] = [];
    app.use(requireAuth(issuer.options()));
    app.get('/boom', () => {
      throw new Error('route failure');
    });
    app.get('/orders', (req, res) => {
      res.json({ sub: req.auth?.subject });
    });
    const onError: ErrorRequestHandler = (err: Error, _req, res, _next) => {
      handled.push(err instanceof TollgateError ? `refusal ${err.status}` : err.message);
      if (err instanceof TollgateError) res.status(err.status).set(err.headers).json({ refused: err.code });
      else res.status(500).json({ handledBy: 'app', message: err.message });
    };
    app.use(onError);
    const served = await serve(app);
    open.push(served);
    const bearer = await issuer.bearer();
    // The first request verifies the signature; the second admits the token; the third is a plain hit.
    for (let i = 0; i < 3; i++) {
      const res = await request(served.url).get('/boom').set('Authorization', bearer);
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ handledBy: 'app', message: 'route failure' });
    }
    expect(handled).toEqual(['route failure', 'route failure', 'route failure']);
    expect((await request(served.url).get('/orders').set('Authorization', bearer)).body).toEqual({ sub: 'client-123' });
    // A forged token is refused by signature, then from the remembered refusal, thrown synchronously.
    const forged = `Bearer ${tamperSignature(await issuer.current.sign({}))}`;
    for (let i = 0; i < 3; i++) {
      const res = await request(served.url).get('/orders').set('Authorization', forged);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="invalid signature"');
    }
    expect(handled.slice(3)).toEqual(['refusal 401', 'refusal 401', 'refusal 401']);
  });

  it("a user's wrapper whose handler throws, called as requireAuth's next, is answered 500 on both paths, never an unhandled rejection", async () => {
    const app = version.module();
    const auth = requireAuth(issuer.options());
    // A common composition: the handler is called directly from the next the wrapper passes.
    const protect = (handler: RequestHandler): RequestHandler => (req, res, next) => auth(req, res, (err?: unknown) => (err ? next(err) : handler(req, res, next)));
    app.get('/parse', protect((req, res) => {
      res.json(JSON.parse(String(req.headers['x-data'])));
    }));
    const served = await serve(app);
    open.push(served);
    const bearer = await issuer.bearer();
    // Not cached (the signature is checked, the promise path), then cached (the synchronous path).
    for (let i = 0; i < 3; i++) {
      const res = await request(served.url).get('/parse').set('Authorization', bearer).set('x-data', '{not json');
      expect(res.status).toBe(500);
    }
    expect((await request(served.url).get('/parse').set('Authorization', bearer).set('x-data', '{"ok":true}')).body).toEqual({ ok: true });
  });
});
