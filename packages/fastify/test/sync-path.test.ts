// The route hook decides a cached token (or a remembered refusal) synchronously and calls done() at once:
// an error of the route it runs is the route's, answered once by the app's error handler, never a refusal.
// Fastify 4 and 5.
import { tamperSignature } from '@tollgate/testing';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { byName, FASTIFY_VERSIONS } from '../../../test/support/frameworks.js';
import { useIssuer } from '../../../test/support/issuer.js';
import tollgate, { TollgateError } from '../src/index.js';
import { usePluginApps } from './plugin-app.js';

const issuer = useIssuer();
const pluginApps = usePluginApps(issuer);

describe.each(byName(FASTIFY_VERSIONS))('%s', (_framework, version) => {
  const { create } = pluginApps(version);

  it('a route that throws after a verified, then cached, token is answered once by the app, never as a refusal', async () => {
    const app = create();
    const handled: string[] = [];
    app.setErrorHandler((error: Error, _request, reply) => {
      handled.push(error instanceof TollgateError ? `refusal ${error.status}` : error.message);
      if (error instanceof TollgateError) return reply.code(error.status).headers(error.headers).send({ refused: error.code });
      return reply.code(500).send({ handledBy: 'app', message: error.message });
    });
    await app.register(tollgate, issuer.options());
    app.get('/boom', () => {
      throw new Error('route failure');
    });
    app.get('/orders', (req) => ({ sub: req.auth?.subject }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const bearer = await issuer.bearer();
    // The first request verifies the signature; the second admits the token; the third is a plain hit.
    for (let i = 0; i < 3; i++) {
      const res = await request(url).get('/boom').set('Authorization', bearer);
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ handledBy: 'app', message: 'route failure' });
    }
    expect(handled).toEqual(['route failure', 'route failure', 'route failure']);
    expect((await request(url).get('/orders').set('Authorization', bearer)).body).toEqual({ sub: 'client-123' });
    // A forged token is refused by signature, then from the remembered refusal, thrown synchronously.
    const forged = `Bearer ${tamperSignature(await issuer.current.sign({}))}`;
    for (let i = 0; i < 3; i++) {
      const res = await request(url).get('/orders').set('Authorization', forged);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="invalid signature"');
    }
    expect(handled.slice(3)).toEqual(['refusal 401', 'refusal 401', 'refusal 401']);
  });

  it('a throw after done() (Fastify 4 runs the schema validator after preValidation without a try) is answered 500 on both paths, never an unhandled rejection', async () => {
    const app = create();
    await app.register(tollgate, { ...issuer.options(), allowBody: true });
    app.setValidatorCompiler(() => (data: unknown) => {
      if ((data as { boom?: unknown } | null)?.boom) throw new Error('validator failure');
      return true;
    });
    app.post('/orders', { schema: { body: { type: 'object' } } }, async (req) => ({ sub: req.auth?.subject }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const bearer = await issuer.bearer();
    // Not cached (the signature is checked, the promise path), then cached (the synchronous path).
    for (let i = 0; i < 3; i++) {
      const res = await request(url).post('/orders').set('Authorization', bearer).send({ boom: 1 });
      expect(res.status).toBe(500);
    }
    expect((await request(url).post('/orders').set('Authorization', bearer).send({ fine: 1 })).body).toEqual({ sub: 'client-123' });
  });
});
