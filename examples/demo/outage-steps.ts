// Demo steps for a JWKS outage: a 503 with Retry-After while no keys can be had, then recovery.
import { call } from '../lib/http.js';
import { startApi } from '../lib/start-api.js';
import type { Transcript } from '../lib/transcript.js';
import type { DemoEnvironment } from './environment.js';

/**
 * Starts a fresh Express API (it has never fetched keys) while the issuer's JWKS endpoint is down.
 * Its clock is injected so that the wait for the retry takes no real time.
 */
export async function outageSteps(env: DemoEnvironment, t: Transcript): Promise<void> {
  t.section('JWKS outage: a fresh Express API that has no keys cached');
  let skewMs = 0;
  const api = await startApi('express', { ...env.options, now: () => Date.now() + skewMs });
  try {
    const token = await env.clients.reader.client.getToken();
    env.issuer.setFault({ kind: 'down' }, 'jwks');
    const down = await call('GET', `${api.url}/orders`, token);
    t.check(
      down.status === 503 && down.error === 'temporarily_unavailable' && down.retryAfter !== null,
      `JWKS endpoint down  → ${down.status} ${down.error ?? ''}, Retry-After: ${down.retryAfter ?? 'missing'}`,
      '503 temporarily_unavailable with Retry-After',
    );
    t.note('a 503, not a 401: the token is not at fault, so clients keep it and retry later');
    env.issuer.setFault(null);
    skewMs = (Number(down.retryAfter) || 30) * 1000 + 1000;
    const back = await call('GET', `${api.url}/orders`, token);
    t.check(back.status === 200, `JWKS endpoint back, ${skewMs / 1000} s later on the API's clock → ${back.status}`, '200');
  } finally {
    env.issuer.setFault(null);
    await api.close();
  }
}
