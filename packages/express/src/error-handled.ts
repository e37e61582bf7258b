// Whether the Express app serving a request has an error handler of the user's (or tollgateErrorHandler).
import type { Application, Request } from 'express';

interface Layer {
  handle?: unknown;
  route?: { stack?: Layer[] };
}
type Stacked = { stack?: Layer[] };
type AppInternals = Application & { _router?: Stacked; router?: Stacked; parent?: Application };

const isErrorHandler = (handle: unknown): boolean => typeof handle === 'function' && handle.length === 4;

function stackHasErrorHandler(stack: readonly Layer[] | undefined, depth: number): boolean {
  if (!Array.isArray(stack) || depth > 32) return false;
  for (const layer of stack) {
    if (isErrorHandler(layer.handle)) return true;
    if (stackHasErrorHandler(layer.route?.stack, depth + 1)) return true;
    // A mounted router (its handle carries its own stack); a mounted sub-app is checked through req.app.
    if (stackHasErrorHandler((layer.handle as Stacked | undefined)?.stack, depth + 1)) return true;
  }
  return false;
}

/**
 * Whether an error passed to `next` would reach an error-handling middleware (four arguments) of the
 * app serving `req` or of an app it is mounted in. Without one, Express's final handler would log every
 * refusal to stderr as if it were a server error; tollgate then answers the refusal itself.
 * Reads Express's router stack (`app._router` in Express 4, `app.router` in Express 5).
 */
export function errorHandled(req: Request): boolean {
  for (let app = req.app as AppInternals | undefined, hops = 0; app && hops < 16; app = app.parent as AppInternals | undefined, hops += 1) {
    // Express 5 exposes `router` as a property; Express 4 has a deprecated `router` getter that throws.
    let router: Stacked | undefined = app._router;
    if (!router) {
      try {
        router = app.router;
      } catch {
        router = undefined;
      }
    }
    if (stackHasErrorHandler(router?.stack, 0)) return true;
  }
  return false;
}
