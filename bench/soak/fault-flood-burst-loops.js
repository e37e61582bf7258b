// The chaos beside rotation: JWKS faults on and off, unknown-kid floods, and bursts of new tokens.
import { now } from './clock.js';
import { chaos, FAULT_KINDS, sleep } from './chaos.js';
import { issuer } from './issuer.js';
import { CONFIG, FAULT_SLICE_MS, JWKS } from './options.js';
import { between, random } from './random.js';
import { faults, floods } from './timeline.js';
import { queueForAll } from './targets.js';
import { active, signWith } from './tokens.js';

export async function faultLoop() {
  let next = Math.floor(random() * FAULT_KINDS.length);
  while (!chaos.stopped) {
    // The pause starts after any quiet rotation, so a flood (which starts as soon as the quiet ends)
    // also gets time on its own.
    while (chaos.quiet && !chaos.stopped) await sleep(50);
    await sleep(between(CONFIG.faultOff) * 1000);
    while (chaos.quiet && !chaos.stopped) await sleep(50);
    if (chaos.stopped) break;
    chaos.faultsStarted += 1;
    chaos.toggles += 1;
    // Every other fault outlasts cacheMaxAge: it spans an expiry refetch, so the keys are served stale
    // (staleIfError) for the rest of it. The others are short. While on, the kind changes every
    // FAULT_SLICE_MS, so even the quick run meets all five.
    const long = chaos.faultsStarted % 2 === 1;
    const endAt = now() + (long ? JWKS.cacheMaxAge + between([0.3, 0.6]) : between(CONFIG.faultOn)) * 1000;
    do {
      const fault = FAULT_KINDS[next++ % FAULT_KINDS.length];
      issuer.setFault(fault, 'jwks');
      faults.push({ on: now(), off: undefined, kind: fault.kind });
      await sleep(Math.max(0, Math.min(FAULT_SLICE_MS, endAt - now())));
      faults[faults.length - 1].off = now();
    } while (!chaos.stopped && now() < endAt - 50);
    issuer.setFault(null);
    chaos.toggles += 1;
  }
}

export async function floodLoop() {
  while (!chaos.stopped) {
    await sleep(between(CONFIG.floodOff) * 1000);
    while (chaos.quiet && !chaos.stopped) await sleep(50);
    if (chaos.stopped) break;
    chaos.flood = true;
    chaos.floods += 1;
    floods.push({ on: now(), off: undefined });
    await sleep(between(CONFIG.floodOn) * 1000);
    chaos.flood = false;
    floods[floods.length - 1].off = now();
  }
}

export async function burstLoop() {
  while (!chaos.stopped) {
    await sleep(between(CONFIG.burstEvery) * 1000);
    if (chaos.stopped) break;
    const kid = active[active.length - 1];
    // Minted in batches of 20 so the event loop (and so the traffic) keeps moving.
    for (let i = 0; i < CONFIG.burstSize && !chaos.stopped; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, CONFIG.burstSize - i) }, (_, j) => signWith(kid, { sub: `burst-${chaos.bursts}-${i + j}` })),
      );
      queueForAll('burst', batch, 4 * CONFIG.burstSize);
    }
    chaos.bursts += 1;
  }
}
