// Memory measurements for the leak bounds: forced GCs when the runtime allows them.
import { setImmediate as tick } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';

function findGc() {
  if (typeof globalThis.gc === 'function') return { gc: globalThis.gc, how: '--expose-gc' };
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    if (typeof gc === 'function') return { gc, how: 'v8.setFlagsFromString (run with node --expose-gc to avoid it)' };
  } catch {
    // no way to force a GC: the heap numbers are then only indicative
  }
  return undefined;
}
/** How to force a GC, or undefined (then the heap numbers are only indicative). */
export const GC = findGc();

/**
 * Heap used, the heap V8 has reserved, RSS and memory outside the JS heap (Buffers), after three forced
 * GCs with a tick between (so finalizers run).
 */
export async function memoryAfterGc() {
  if (GC) {
    for (let i = 0; i < 3; i++) {
      GC.gc();
      await tick();
    }
  }
  const { heapUsed, heapTotal, rss, external } = process.memoryUsage();
  return { heapUsed, heapTotal, rss, external };
}
export const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
