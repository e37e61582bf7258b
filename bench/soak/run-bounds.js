// The per-run invariants: JWKS fetches within what the cache design allows, no discovery refetch, heap.
import { now } from './clock.js';
import { chaos } from './chaos.js';
import { GC, mb } from './memory.js';
import { HEAP_GROWTH_BOUND, JWKS } from './options.js';
import { violation } from './results.js';
import { faults, floods } from './timeline.js';

/** Checks the whole run against its bounds (recording violations); returns the figures the report shows. */
export function checkRunBounds({ elapsed, jwksFetches, discoveryFetches, heapBefore, heapAfter }) {
  const faultOnSeconds = faults.reduce((sum, fault) => sum + ((fault.off ?? now()) - fault.on) / 1000, 0);
  const durationSeconds = elapsed / 1000;
  // What the cache design allows (issuer-side count, failed requests included):
  //  - expiry refetches: one per cacheMaxAge, since each waits for the keys of the last success to age;
  //  - unknown-kid refetches that miss: one per cooldown while a flood (or retired-key traffic) goes on,
  //    plus one for requests still in flight as it ends;
  //  - failed fetches: one per cooldown while a fault is on, plus one as it starts;
  //  - per rotation, the new kid's lookup, plus one more when that lookup joined a fetch already under way;
  //  - 2 for the edges of the run.
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
  if (jwksFetches > jwksBound) violation('too many JWKS fetches', fakeJob, {}, `${jwksFetches} > ${jwksBound}`);
  if (discoveryFetches > 0) violation('discovery refetched after warm-up', fakeJob, {}, `${discoveryFetches}`);
  const growth = heapAfter - heapBefore;
  if (GC && growth > HEAP_GROWTH_BOUND) violation('heap grew', fakeJob, {}, `${mb(growth)} > ${mb(HEAP_GROWTH_BOUND)}`);
  return { faultOnSeconds, floodOnSeconds, durationSeconds, jwksBound, roughBound, growth };
}
