// A route's plan: how its class- and handler-level declarations combine into the guards that run.
import { createGuard, type Guard } from '@tollgate/core';
import { accessOf, type Access, type Declaration } from './declarations.js';
import type { TollgateConfig } from './config.js';

/** What the guard does for one route, made once per (controller class, handler) and app. */
export interface RoutePlan {
  readonly access: Access;
  /** Run in order; empty for a public route. */
  readonly guards: readonly Guard[];
}

/**
 * Combines the declarations of a controller class and one of its handlers:
 * - Access: the nearest level that declares anything decides. A handler's `@Public()` or
 *   `@OptionalAuth()` overrides its class; a handler's `@Scopes`/`@AnyScope` makes it require a token
 *   even in a `@Public()` or `@OptionalAuth()` class; nothing declared anywhere: a token is required.
 * - Scopes, when a token is required: every `@Scopes` of the class and of the handler is required
 *   (they add up), and each `@AnyScope` is its own one-of requirement. A handler that overrides its
 *   class with `@Public()`/`@OptionalAuth()` leaves the class's scopes behind.
 */
export function planRoute(config: TollgateConfig, classLevel: readonly Declaration[], handlerLevel: readonly Declaration[], route: string): RoutePlan {
  const access = accessOf(handlerLevel) ?? accessOf(classLevel) ?? 'required';
  const base = { ...config.guardOptions };
  if (access === 'public') return Object.freeze({ access, guards: [] });
  if (access === 'optional') return Object.freeze({ access, guards: [createGuard(config.verifier, { ...base, optional: true, name: `@OptionalAuth on ${route}` })] });
  // The handler's own access is 'required' or undefined here; the class's counts only if the handler does not override it.
  const inherited = accessOf(classLevel) === 'required' ? classLevel : [];
  const declarations = [...inherited, ...handlerLevel];
  const all = [...new Set(declarations.flatMap((d) => (d.kind === 'scopes' ? d.scopes : [])))];
  const guards: Guard[] = [
    all.length > 0 ? createGuard(config.verifier, { ...base, scopes: all, mode: 'all', name: `@Scopes on ${route}` }) : createGuard(config.verifier, { ...base, name: `TollgateGuard on ${route}` }),
  ];
  for (const d of declarations) {
    if (d.kind === 'anyScope') guards.push(createGuard(config.verifier, { ...base, scopes: d.scopes, mode: 'any', name: `@AnyScope on ${route}` }));
  }
  return Object.freeze({ access, guards: Object.freeze(guards) });
}
