// Scope hierarchies: which required scopes a token's scopes grant through `implies`, wildcards or a user rule.
import type { ScopeHierarchy, ScopeMatcher } from '../resource-metadata.js';
import { validateScopes } from '../has-scopes.js';

// Each broken rule is said once per process, not once per request: a request that trips it is not at fault.
let warned = false;

/**
 * Builds the matcher of a `scopeHierarchy`, pushing configuration problems to `problems`. The closure of
 * `implies` is computed once here, so a cycle (`a` implies `b` implies `a`) costs nothing per request.
 */
export function createScopeMatcher(hierarchy: ScopeHierarchy, problems: string[]): ScopeMatcher | undefined {
  const implies = new Map<string, Set<string>>();
  for (const [scope, granted] of Object.entries(hierarchy.implies ?? {})) {
    try {
      validateScopes([scope, ...granted], 'scopeHierarchy.implies');
    } catch (error) {
      problems.push((error as Error).message);
      continue;
    }
    implies.set(scope, new Set(granted));
  }
  // Transitive closure, cycle-safe: each scope's set grows until nothing new is reached.
  const closure = new Map<string, ReadonlySet<string>>();
  for (const scope of implies.keys()) {
    const seen = new Set<string>();
    const queue = [...implies.get(scope)!];
    while (queue.length) {
      const next = queue.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      for (const more of implies.get(next) ?? []) queue.push(more);
    }
    closure.set(scope, seen);
  }
  const wildcards = hierarchy.wildcards === true;
  const grants = hierarchy.grants;
  if (closure.size === 0 && !wildcards && !grants) {
    problems.push('scopeHierarchy: names no rule; give implies, wildcards: true or grants, or leave it out');
    return undefined;
  }
  return (granted, required) => {
    if (granted.includes(required)) return true;
    for (const scope of granted) {
      if (closure.get(scope)?.has(required)) return true;
      // `orders:*` grants `orders:read`; a bare `*` or `:*` grants nothing (the prefix must be non-empty).
      if (wildcards && scope.length > 2 && scope.endsWith(':*') && required.startsWith(scope.slice(0, -1))) return true;
    }
    if (!grants) return false;
    let answer: unknown;
    try {
      answer = grants(granted, required);
    } catch {
      answer = undefined;
    }
    if (answer === true) return true;
    // A promise is no answer: it is not waited for, and its rejection must not go unhandled.
    if (typeof (answer as PromiseLike<unknown> | undefined)?.then === 'function') Promise.resolve(answer).catch(() => undefined);
    if (answer !== false && !warned) {
      warned = true;
      process.emitWarning('tollgate: scopeHierarchy.grants threw or returned something other than true or false; the scope is treated as not granted (403)', 'TollgateWarning');
    }
    return false;
  };
}
