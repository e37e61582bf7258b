// Fastify's own error handler with tollgate's errors, Fastify 4 and 5: without tollgateErrorHandler it renders a
// refusal as its JSON error body (statusCode, code, error, message), and an unconfigured @RequireScope as a 500.
// Status, challenge, no leaks and the error classes a user's setErrorHandler receives are checked for every
// adapter in test/adapters/.
import { STATUS_CODES } from 'node:http';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { fastifyDriver } from '../../../test/adapters/drivers/index.js';
import { describeTargets, useApps, useSuiteApp } from '../../../test/adapters/harness.js';
import { refusalsApp, REFUSALS, sendRefusal } from '../../../test/adapters/refusals.js';
import { useIssuer } from '../../../test/support/issuer.js';

const issuer = useIssuer();
const start = useApps();

describeTargets([fastifyDriver], (_driver, target) => {
  describe('without a tollgate error handler', () => {
    const suite = useSuiteApp(target, () => refusalsApp(issuer.options(), 'default'));

    it.each(REFUSALS)("answers $name with Fastify's error body, through the default error handler", async (refusal) => {
      const { res } = await sendRefusal(suite.app.url, issuer.current, refusal);
      expect(res.status).toBe(refusal.status);
      const { code, description } = refusal.error;
      // Fastify's default body: `code` only where the error has one (a missing token has no RFC 6750 error code).
      expect(res.body).toEqual({ statusCode: refusal.status, ...(code ? { code } : {}), error: STATUS_CODES[refusal.status], message: description });
    });
  });

  it("answers an unconfigured @RequireScope with a 500 through the default error handler, with or without a token", async () => {
    const app = await start(await target.load(), { routes: [{ path: '/orders', kind: 'standalone', scopes: ['orders:read'] }], errors: 'default' });
    for (const authorization of [undefined, await issuer.bearer({ scope: 'orders:read' })]) {
      const call = request(app.url).get('/orders');
      if (authorization) call.set('Authorization', authorization);
      const res = await call;
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: fastifyDriver.unconfiguredMessage });
    }
    expect(app.reached).toEqual([]);
  });
});
