// Whether the Express app serving a request has an error handler of the user's (or tollgateErrorHandler).
import type { Application, Request } from 'express';

interface Layer {
  handle?: unknown;
  route?: { stack?: Layer[] };
}
type Stacked = { stack?: Layer[] };
type AppInternals = Application & { _router?: Stacked; router?: Stacked; parent?: Application };

const isErrorHandler = (handle: unknown): boolean => typeof handle === 'function' && handle.length === 4;

// Past this many layers the search stops and assumes a handler (the old behaviour, next(err)). The answer
// is cached per app, so even that cost is paid once, not per refusal an attacker's flood causes.
const MAX_LAYERS = 50_000;

/** Searches a router tree once (each stack visited once), within MAX_LAYERS; `undefined` when cut short. */
function searchStack(stack: readonly Layer[] | undefined, visited: Set<readonly Layer[]>, budget: { left: number }): boolean | undefined {
  if (!Array.isArray(stack) || visited.has(stack)) return false;
  visited.add(stack);
  for (const layer of stack) {
    if ((budget.left -= 1) < 0) return undefined;
    if (isErrorHandler(layer.handle)) return true;
    // A route's own stack, and a mounted router's (its handle carries its stack); sub-apps are checked through req.app.
    for (const inner of [layer.route?.stack, (layer.handle as Stacked | undefined)?.stack]) {
      const found = searchStack(inner, visited, budget);
      if (found !== false) return found;
    }
  }
  return false;
}

/** The router stack of an app (Express 4: `_router`; Express 5: `router`, a getter that throws in 4). */
function stackOf(app: AppInternals): Layer[] | undefined {
  if (app._router) return app._router.stack;
  try {
    return app.router?.stack;
  } catch {
    return undefined;
  }
}

// Per app: the answer, and what working out "none" cost. A handler once found stays found. "None" is worked
// out again on the next refusal, so a handler added later to a mounted router is noticed; in an app whose
// search visits more than CHEAP_LAYERS layers, only when its own stack grew or a second has passed, so a
// flood of refusals does not pay for a large search each.
const CHEAP_LAYERS = 1000;
const RECHECK_MS = 1000;
const known = new WeakMap<object, { handled: boolean; size: number; layers: number; at: number }>();

function appHasErrorHandler(app: AppInternals): boolean {
  const cached = known.get(app);
  if (cached?.handled) return true;
  const stack = stackOf(app);
  const size = stack?.length ?? 0;
  const now = Date.now();
  if (cached && cached.layers > CHEAP_LAYERS && cached.size === size && now - cached.at < RECHECK_MS) return false;
  const budget = { left: MAX_LAYERS };
  const handled = searchStack(stack, new Set(), budget) !== false;
  known.set(app, { handled, size, layers: MAX_LAYERS - budget.left, at: now });
  return handled;
}

/**
 * Whether an error passed to `next` would find an error-handling middleware (four arguments) in the app
 * serving `req` or an app it is mounted in. Without one, Express's final handler would log every refusal
 * to stderr as if it were a server error; tollgate then answers the refusal itself. It looks for the
 * presence of a handler, not whether the request can reach it. Reads Express's router stack.
 */
export function errorHandled(req: Request): boolean {
  for (let app = req.app as AppInternals | undefined, hops = 0; app && hops < 16; app = app.parent as AppInternals | undefined, hops += 1) {
    if (appHasErrorHandler(app)) return true;
  }
  return false;
}
