// The per-run invariants: each verifier's JWKS fetches within what the cache design allows, discovery
// read no more often than the key set, heap and RSS flat.
import { now } from './clock.js';
import { chaos } from './chaos.js';
import { GC, mb } from './memory.js';
import { ADAPTERS, HEAP_GROWTH_BOUND, JWKS, RSS_GROWTH_BOUND } from './options.js';
import { violation } from './results.js';
import { faults, floods } from './timeline.js';

/**
 * Checks the whole run against its bounds (recording violations); returns the figures the report shows.
 * `jwksFetches`: adapter → JWKS requests its verifier made; `issuerJwksFetches`: what the issuer served
 * in all; `before` / `after`: memoryAfterGc() after warm-up and at the end.
 */
export function checkRunBounds({ elapsed, jwksFetches, issuerJwksFetches, discoveryFetches, before, after }) {
  const faultOnSeconds = faults.reduce((sum, fault) => sum + ((fault.off ?? now()) - fault.on) / 1000, 0);
  const durationSeconds = elapsed / 1000;
  // What the cache design allows one verifier (failed requests included):
  //  - expiry refetches: one per cacheMaxAge, since each waits for the keys of the last success to age;
  //  - unknown-kid refetches that miss: one per cooldown while a flood (or retired-key traffic) goes on,
  //    plus one for requests still in flight as it ends;
  //  - failed fetches: one per cooldown while a fault is on, plus one as it starts;
  //  - per rotation, the new kid's lookup, plus one more when that lookup joined a fetch already under way;
  //  - 2 for the edges of the run.
  // The verifiers share nothing, so each gets the whole bound, and the issuer sees at most their sum.
  const floodOnSeconds = floods.reduce((sum, flood) => sum + ((flood.off ?? now()) - flood.on) / 1000, 0);
  const jwksBound =
    Math.ceil(durationSeconds / JWKS.cacheMaxAge) +
    1 +
    Math.ceil(floodOnSeconds / JWKS.cooldown) +
    floods.length +
    Math.ceil(faultOnSeconds / JWKS.cooldown) +
    chaos.faultsStarted +
    2 * chaos.rotations +
    2;
  const roughBound = Math.ceil(durationSeconds / JWKS.cooldown) + chaos.rotations + chaos.toggles;
  const fakeJob = { kind: '(run)', sentAt: now(), token: undefined };
  for (const [adapter, fetches] of Object.entries(jwksFetches)) {
    if (fetches > jwksBound) violation(`too many JWKS fetches (${adapter})`, fakeJob, {}, `${fetches} > ${jwksBound}`);
  }
  const issuerBound = ADAPTERS.length * jwksBound;
  if (issuerJwksFetches > issuerBound) violation('too many JWKS fetches (issuer side)', fakeJob, {}, `${issuerJwksFetches} > ${issuerBound}`);
  // Discovery is re-read with a key-set fetch (after cacheMaxAge, or after a failed fetch), inside the
  // same single flight and cooldown: at most one read (two well-known URLs) per fetch the bound allows.
  const discoveryBound = 2 * issuerBound;
  if (discoveryFetches > discoveryBound) violation('discovery read more often than the key set', fakeJob, {}, `${discoveryFetches} > ${discoveryBound}`);
  const heapGrowth = after.heapUsed - before.heapUsed;
  const rssGrowth = after.rss - before.rss;
  if (GC && heapGrowth > HEAP_GROWTH_BOUND) violation('heap grew', fakeJob, {}, `${mb(heapGrowth)} > ${mb(HEAP_GROWTH_BOUND)}`);
  if (GC && rssGrowth > RSS_GROWTH_BOUND) violation('RSS grew', fakeJob, {}, `${mb(rssGrowth)} > ${mb(RSS_GROWTH_BOUND)}`);
  return { faultOnSeconds, floodOnSeconds, durationSeconds, jwksBound, issuerBound, roughBound, heapGrowth, rssGrowth };
}
