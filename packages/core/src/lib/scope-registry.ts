// The scopes an app's guards require, per verifier (or default configuration): scopes_supported of RFC 9728.

// Keyed by the verifier instance (or an adapter's DefaultConfiguration): two apps in one process never
// see each other's scopes. Scopes come from code, not requests; the cap only guards against a loop.
const registry = new WeakMap<object, Set<string>>();
const MAX_SCOPES = 1000;

/** Records that a guard of `owner` requires `scopes`. `offline_access` is never recorded (RFC 9728 lists resource scopes). */
export function recordScopes(owner: object, scopes: readonly string[]): void {
  let set = registry.get(owner);
  if (!set) registry.set(owner, (set = new Set()));
  for (const scope of scopes) if (set.size < MAX_SCOPES && scope !== 'offline_access') set.add(scope);
}

/** The scopes recorded for each of `owners`, without duplicates. */
export function recordedScopes(...owners: readonly (object | undefined)[]): string[] {
  const all = new Set<string>();
  for (const owner of owners) for (const scope of (owner && registry.get(owner)) ?? []) all.add(scope);
  return [...all];
}
