// The adapters under test as the soak sees them: each has its own verifier, so its own JWKS view,
// unknown-kid miss tracker and queues of new tokens; apps.js fills in the port and the client agent.
import { JwksObserver } from './jwks-observer.js';
import { ADAPTERS } from './options.js';
import { createMissTracker } from './timeline.js';

/** One per adapter, in ADAPTERS order. */
export const targets = ADAPTERS.map((name) => ({
  name,
  jwks: new JwksObserver(),
  miss: createMissTracker(),
  // New tokens each verifier must accept on first sight: every adapter gets its own copy of each.
  queues: { rotated: [], burst: [] },
  port: undefined,
  agent: undefined,
  stop: undefined,
}));

/** Appends new tokens to one queue of every adapter, keeping each queue under `max`. */
export function queueForAll(queue, entries, max = Number.POSITIVE_INFINITY) {
  for (const target of targets) {
    const list = target.queues[queue];
    list.push(...entries);
    if (list.length > max) list.splice(0, list.length - max);
  }
}

/** Drops every queued token (so that only tollgate's state stays reachable for the heap check). */
export function clearQueues() {
  for (const target of targets) for (const list of Object.values(target.queues)) list.length = 0;
}
