// requireAuth and requireScope called by the user's own handler without next: they cannot pass the request on, so
// they answer a refusal (or a 500) themselves instead of leaving a rejected promise that stops the process.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { byName, EXPRESS_VERSIONS } from '../../../test/support/frameworks.js';
import { useIssuer } from '../../../test/support/issuer.js';
import { serve } from '../../../test/support/server.js';
import { requireAuth, requireScope } from '../src/index.js';

const issuer = useIssuer();

describe.each(byName(EXPRESS_VERSIONS))('%s', (_name, version) => {
  it('answers the refusal itself, and a 500 for a pass it cannot hand on', async () => {
    const auth = requireAuth(issuer.options());
    const scoped = requireScope('orders:read');
    const app = version.module();
    app.get('/auth', (req, res) => {
      void auth(req, res, undefined as never);
    });
    app.get('/scope', requireAuth(issuer.options(), { optional: true }), (req, res) => {
      void scoped(req, res, undefined as never);
    });
    const served = await serve(app);
    try {
      const anonymous = await request(served.url).get('/auth');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="api"');
      expect(anonymous.body).toEqual({ error_description: 'bearer token required' });
      const lacking = await request(served.url).get('/scope').set('Authorization', await issuer.bearer({ scope: 'profile' }));
      expect(lacking.status).toBe(403);
      const passed = await request(served.url).get('/auth').set('Authorization', await issuer.bearer());
      expect(passed.status).toBe(500);
      expect(passed.body).toEqual({ error: 'server_error' });
    } finally {
      await served.close();
    }
  });
});
