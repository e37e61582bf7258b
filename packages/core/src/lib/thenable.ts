// Telling a pending outcome from a finished one the way `await` does: by `then`, not by `instanceof Promise`.

/**
 * Whether `value` is a promise or any other thenable: what `await` would wait for. `instanceof Promise`
 * misses promises of another realm (a vm context, Jest), of a library (Bluebird), and core's own async
 * results once zone.js or a library has replaced `globalThis.Promise`. An AccessToken has no `then`.
 */
export function isThenable<T>(value: unknown): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
