// Small pieces every framework adapter needs: option splitting and the handler-method decorator shell.
import type { Verifier } from './create-verifier.js';
import { toVerifier, type GuardOptions } from './guard.js';
import type { VerifierOptions } from './options.js';

/** Options of an adapter's `requireAuth`: the verifier's options plus how requests are read. */
export type AdapterOptions = VerifierOptions & GuardOptions;

const GUARD_KEYS = ['optional', 'allowQuery', 'allowBody'] as const;

/**
 * Splits adapter options into a verifier (created now, so bad options fail at startup) and the
 * guard's transport options. A ready verifier may be passed instead, with guard options beside it.
 */
export function resolveAdapterOptions(
  input: AdapterOptions | Verifier,
  guardOptions: GuardOptions = {},
): { verifier: Verifier; guardOptions: GuardOptions } {
  if (typeof input !== 'object' || input === null) {
    return { verifier: toVerifier(input), guardOptions };
  }
  if ('verify' in input) return { verifier: toVerifier(input), guardOptions };
  const verifierOptions: Record<string, unknown> = { ...input };
  const guard: Record<string, unknown> = { ...guardOptions };
  for (const key of GUARD_KEYS) {
    if (key in verifierOptions) guard[key] ??= verifierOptions[key];
    delete verifierOptions[key];
  }
  if (input.realm !== undefined) guard.realm ??= input.realm;
  return { verifier: toVerifier(verifierOptions as unknown as VerifierOptions), guardOptions: guard as GuardOptions };
}

/** A handler method that takes (a prefix of) the framework's handler arguments. */
export type HandlerMethod<This, Args extends unknown[]> = (this: This, ...args: Args) => unknown;

/**
 * Builds a TypeScript 5 standard method decorator that wraps a handler and binds it to its
 * instance, so `app.get('/orders', controller.list)` keeps `this`. The decorated method keeps its type.
 * @example
 * const RequireScope = (...scopes: string[]) => createMethodDecorator<[Request, Response, NextFunction]>((method) => guarded(method, scopes));
 */
export function createMethodDecorator<Args extends unknown[]>(
  wrap: <This>(method: HandlerMethod<This, Args>) => HandlerMethod<This, Args>,
) {
  return function decorate<This, Method extends HandlerMethod<This, Args>>(
    method: Method,
    context: ClassMethodDecoratorContext<This, Method>,
  ): Method {
    if (!context.private) {
      context.addInitializer(function (this: This) {
        const self = this as Record<string | symbol, unknown>;
        const bound = (self[context.name] as (...args: unknown[]) => unknown).bind(this);
        Object.defineProperty(self, context.name, { value: bound, configurable: true, writable: true });
      });
    }
    return wrap<This>(method) as Method;
  };
}
