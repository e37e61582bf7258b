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
 * Combines the declarations of a handler and its controller class (and the classes it extends), given
 * nearest first: `[handler, class, parent class, ...]`.
 * - Access: the nearest level that declares anything decides. A handler's `@Public()` or
 *   `@OptionalAuth()` overrides its class; a handler's `@Scopes`/`@AnyScope` makes it require a token
 *   even in a `@Public()` or `@OptionalAuth()` class; a subclass overrides the class it extends the same
 *   way. Nothing declared anywhere: a token is required.
 * - Claims: each `@Claims` up to that same level is its own requirement, like `@AnyScope`.
 * - Scopes, when a token is required: every `@Scopes` of every level up to the nearest `@Public()` or
 *   `@OptionalAuth()` level is required (they add up: a subclass's `@Scopes` adds to its parent's), and
 *   each `@AnyScope` is its own one-of requirement. A level that overrides with `@Public()` /
 *   `@OptionalAuth()` leaves the scopes beyond it behind.
 */
export function planRoute(config: TollgateConfig, levels: readonly (readonly Declaration[])[], route: string): RoutePlan {
  const access = levels.map(accessOf).find((level) => level !== undefined) ?? 'required';
  const base = { ...config.guardOptions };
  if (access === 'public') return Object.freeze({ access, guards: [] });
  if (access === 'optional') return Object.freeze({ access, guards: [createGuard(config.verifier, { ...base, optional: true, name: `@OptionalAuth on ${route}` })] });
  const counted: (readonly Declaration[])[] = [];
  for (const level of levels) {
    const asks = accessOf(level);
    if (asks === 'public' || asks === 'optional') break;
    counted.unshift(level);
  }
  // Farthest level first, so a challenge lists the class's scopes before the handler's.
  const declarations = counted.flat();
  const all = [...new Set(declarations.flatMap((d) => (d.kind === 'scopes' ? d.scopes : [])))];
  const guards: Guard[] = [
    all.length > 0 ? createGuard(config.verifier, { ...base, scopes: all, mode: 'all', name: `@Scopes on ${route}` }) : createGuard(config.verifier, { ...base, name: `TollgateGuard on ${route}` }),
  ];
  for (const d of declarations) {
    if (d.kind === 'anyScope') guards.push(createGuard(config.verifier, { ...base, scopes: d.scopes, mode: 'any', name: `@AnyScope on ${route}` }));
    // Each @Claims is its own requirement, checked after the scopes: a class's and a handler's both hold.
    if (d.kind === 'claims') guards.push(createGuard(config.verifier, { ...base, claims: d.rules, name: `@Claims on ${route}` }));
    // Each @StepUp likewise (RFC 9470): a class's and a handler's requirements both hold.
    if (d.kind === 'stepUp') guards.push(createGuard(config.verifier, { ...base, stepUp: d.requirement, name: `@StepUp on ${route}` }));
  }
  return Object.freeze({ access, guards: Object.freeze(guards) });
}
