// The scopes an app's guards require, per verifier (or adapter default configuration): scopes_supported of RFC 9728.

// Keyed by the verifier instance (or an adapter's DefaultConfiguration): two apps in one process never
// see each other's scopes. Scopes come from the code, declared before the owner serves its first request:
// once it has served one, a guard made later (e.g. per request, from request data) records nothing, so
// no caller can write into the public document and the document never changes with traffic.
interface Entry {
  readonly scopes: Set<string>;
  sealed: boolean;
  /** The first guard made after sealing (`name("scope")`): told when the document is built, not before. */
  dropped: string | undefined;
  warnedLate: boolean;
  warnedFull: boolean;
}
const registry = new WeakMap<object, Entry>();
const MAX_SCOPES = 1000;

function entryOf(owner: object): Entry {
  let entry = registry.get(owner);
  if (!entry) registry.set(owner, (entry = { scopes: new Set(), sealed: false, dropped: undefined, warnedLate: false, warnedFull: false }));
  return entry;
}

/**
 * Records that a guard of `owner`, declared now, requires `scopes`. After `owner` has served a request it
 * records nothing, and the first such guard is named once in a warning when a metadata document is built
 * (apps without metadata never hear of it); past the cap it warns once. `offline_access` is never recorded
 * (RFC 9728 lists resource scopes).
 */
export function recordScopes(owner: object, scopes: readonly string[], name: string): void {
  const entry = entryOf(owner);
  if (entry.sealed) {
    entry.dropped ??= `${name}(${JSON.stringify(scopes[0]).slice(0, 80)})`;
    return;
  }
  for (const scope of scopes) {
    if (scope === 'offline_access' || entry.scopes.has(scope)) continue;
    if (entry.scopes.size >= MAX_SCOPES) {
      if (!entry.warnedFull) {
        entry.warnedFull = true;
        process.emitWarning(`tollgate: more than ${MAX_SCOPES} scopes declared for one verifier; scopes_supported lists the first ${MAX_SCOPES} (set metadata.scopesSupported to choose them)`, 'TollgateWarning');
      }
      return;
    }
    entry.scopes.add(scope);
  }
}

/** Ends recording for `owner`: it serves requests now (its document is served, or one of its guards ran). */
export function sealScopes(owner: object | undefined): void {
  if (owner) entryOf(owner).sealed = true;
}

/** The scopes recorded for each of `owners`, without duplicates, for a metadata document. */
export function recordedScopes(...owners: readonly (object | undefined)[]): string[] {
  const all = new Set<string>();
  for (const owner of owners) {
    const entry = owner && registry.get(owner);
    if (!entry) continue;
    for (const scope of entry.scopes) all.add(scope);
    if (entry.dropped !== undefined && !entry.warnedLate) {
      entry.warnedLate = true;
      process.emitWarning(
        `tollgate: ${entry.dropped} was created after its verifier served a request, so the metadata's scopes_supported does not list it (it lists only guards declared at startup; set metadata.scopesSupported to list scopes yourself)`,
        'TollgateWarning',
      );
    }
  }
  return [...all];
}
