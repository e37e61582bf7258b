// The key sets of trusted issuers: fixed for a list of issuers; for a pattern or a function, created on
// first use after trust was decided, bounded in number and in creation rate, least recently used evicted.
import { InvalidTokenError, JwksUnavailableError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { compilePattern, fillTenant, matchTenant, TENANT, type CompiledPattern } from './issuer-pattern.js';
import { isWithdrawal, IssuerTrust, type TrustRule } from './issuer-trust.js';
import type { RemoteJwks } from './remote-jwks.js';
import type { KeySet } from './static-jwks.js';
import type { InsecurePolicy } from './url-policy.js';

/** Finds the key set of a trusted issuer, creating it if needed. */
export interface KeySets {
  /** The key set of an issuer trusted now and already held, without creating or deciding anything. */
  get(issuer: string, now: number): KeySet | undefined;
  /**
   * The key set of a trusted issuer. Throws `InvalidTokenError` (reason `issuer`) for an untrusted one,
   * `JwksUnavailableError` when trust cannot be decided or no new key set may be created now.
   */
  resolve(issuer: string): KeySet | Promise<KeySet>;
  /** Records that the issuer's keys verified a signature: its key set is kept over unproven ones. */
  proven(issuer: string): void;
}

/** The key sets of a fixed list of issuers, made at startup. */
export class FixedKeySets implements KeySets {
  readonly #byIssuer: ReadonlyMap<string, KeySet>;
  readonly #realm: string;

  constructor(byIssuer: ReadonlyMap<string, KeySet>, realm: string) {
    this.#byIssuer = byIssuer;
    this.#realm = realm;
  }

  get(issuer: string): KeySet | undefined {
    return this.#byIssuer.get(issuer);
  }

  resolve(issuer: string): KeySet {
    const jwks = this.#byIssuer.get(issuer);
    if (!jwks) throw new InvalidTokenError('issuer mismatch', { reason: 'issuer', realm: this.#realm });
    return jwks;
  }

  proven(): void {}
}

/** Settings of {@link DynamicKeySets}. */
export interface DynamicKeySetsSettings {
  trust: IssuerTrust;
  /** The key set other issuers share with this one by configuration (it costs no new fetch), if any. */
  shared: (issuer: string) => RemoteJwks | undefined;
  /** Makes a key set of its own for a newly trusted issuer (nothing is fetched until a token needs it). */
  create: (issuer: string) => RemoteJwks;
  /** Most key sets held (`maxIssuers`). */
  maxEntries: number;
  /** Key sets of their own (not shared) created per minute at most (`newIssuersPerMinute`). */
  perMinute: number;
  realm: string;
  now: () => number;
}

interface Entry {
  readonly jwks: RemoteJwks;
  trustedUntil: number;
  /** When trust was decided: a clock now behind it (stepped back) means the decision is no longer current. */
  decidedAt: number;
  /** The insertion count when it was last put at the young end of its map. */
  tick: number;
}

/** Whether a trust decision holds at `now`: not expired, and not made in what is now the future. */
function current(entry: Entry, now: number): boolean {
  return now >= entry.decidedAt && now < entry.trustedUntil;
}

/**
 * Key sets of issuers trusted by a pattern or a function, at most `maxEntries`. An untrusted iss is refused
 * before anything is created or fetched, so a flood of tokens naming random issuers costs no fetch and no
 * memory here. Trusted issuers that would need a key set of their own are admitted at most `perMinute`
 * per minute (a token bucket of that size): a flood of tokens naming random trusted tenants causes at most
 * that many discoveries a minute; beyond it the request is answered 503 and nothing is created.
 * A new key set takes one of a quarter of the places (at least one), kept for key sets that have not yet
 * verified a signature, evicting the least recently used of them; its first verified signature moves it
 * to the other places, evicting the least recently used there. So issuers that an attacker can only name
 * (without their keys) never push out the ones in real use.
 * An evicted issuer is decided and fetched again on its next token; its cached decisions die with its key
 * set, because generations are unique to a key set.
 */
export class DynamicKeySets implements KeySets {
  readonly #settings: DynamicKeySetsSettings;
  readonly #unproven = new Map<string, Entry>();
  readonly #proven = new Map<string, Entry>();
  readonly #moveAfter: number;
  readonly #unprovenMax: number;
  readonly #provenMax: number;
  #insertions = 0;
  #tokens: number;
  #filledAt: number;

  constructor(settings: DynamicKeySetsSettings) {
    this.#settings = settings;
    this.#moveAfter = Math.max(1, Math.ceil(settings.maxEntries / 2));
    // A quarter of the places (at least one) for issuers whose keys have not verified anything yet.
    this.#unprovenMax = Math.max(1, Math.ceil(settings.maxEntries / 4));
    this.#provenMax = settings.maxEntries - this.#unprovenMax;
    this.#tokens = settings.perMinute;
    this.#filledAt = settings.now();
  }

  get(issuer: string, now: number): RemoteJwks | undefined {
    const entry = this.#find(issuer);
    return entry !== undefined && current(entry, now) ? entry.jwks : undefined;
  }

  resolve(issuer: string): RemoteJwks | Promise<RemoteJwks> {
    const entry = this.#find(issuer);
    if (entry !== undefined && current(entry, this.#settings.now())) return entry.jwks;
    // Trust is decided before anything is created or fetched for this issuer.
    const decided = this.#settings.trust.decide(issuer);
    return typeof decided === 'number' ? this.#admit(issuer, decided) : decided.then((until) => this.#admit(issuer, until), (error) => this.#refuse(issuer, error));
  }

  proven(issuer: string): void {
    const entry = this.#unproven.get(issuer);
    if (entry === undefined || this.#provenMax === 0) return;
    this.#unproven.delete(issuer);
    entry.tick = ++this.#insertions;
    this.#proven.set(issuer, entry);
    if (this.#proven.size > this.#provenMax) this.#proven.delete(this.#proven.keys().next().value!);
  }

  /** How many key sets are held. */
  get size(): number {
    return this.#unproven.size + this.#proven.size;
  }

  #find(issuer: string): Entry | undefined {
    const map = this.#proven.has(issuer) ? this.#proven : this.#unproven;
    const entry = map.get(issuer);
    if (entry !== undefined && this.#insertions - entry.tick >= this.#moveAfter) {
      // Map keeps insertion order: re-inserting makes it the most recently used. Done only every
      // half-capacity insertions per entry, so a hit costs a lookup, not a Map delete and insert.
      map.delete(issuer);
      entry.tick = ++this.#insertions;
      map.set(issuer, entry);
    }
    return entry;
  }

  #refuse(issuer: string, error: unknown): never {
    // No longer trusted (the function said false): its key set and every decision made with it go. A
    // function that failed to answer refuses this request only: dropping every tenant's keys while a
    // store is briefly down would cost each of them a refetch, rationed by newIssuersPerMinute.
    if (isWithdrawal(error)) {
      this.#unproven.delete(issuer);
      this.#proven.delete(issuer);
    }
    throw error;
  }

  #admit(issuer: string, trustedUntil: number): RemoteJwks {
    const held = this.#find(issuer);
    const decidedAt = this.#settings.now();
    if (held !== undefined) {
      held.trustedUntil = trustedUntil;
      held.decidedAt = decidedAt;
      return held.jwks;
    }
    // A key set of its own means discovery and JWKS fetches: rationed. A shared one costs nothing new.
    let jwks = this.#settings.shared(issuer);
    if (jwks === undefined) {
      if (!this.#take()) {
        const wait = (60_000 / this.#settings.perMinute) * (1 - this.#tokens);
        throw new JwksUnavailableError({ retryAfter: wait / 1000, realm: this.#settings.realm });
      }
      jwks = this.#settings.create(issuer);
    }
    this.#unproven.set(issuer, { jwks, trustedUntil, decidedAt, tick: ++this.#insertions });
    // The new entry is the youngest, so the oldest is another one.
    if (this.#unproven.size > this.#unprovenMax) this.#unproven.delete(this.#unproven.keys().next().value!);
    return jwks;
  }

  /** Takes one admission from the bucket; `false` when it is empty. */
  #take(): boolean {
    const now = this.#settings.now();
    const { perMinute } = this.#settings;
    // A clock stepped back refills nothing (and never drains the bucket below what it held).
    this.#tokens = Math.min(perMinute, this.#tokens + (Math.max(0, now - this.#filledAt) * perMinute) / 60_000);
    this.#filledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** How {@link createKeySets} makes a key set: discovered from an issuer, or at a configured URL. */
export interface KeySetFactories {
  discovered: (issuer: string) => RemoteJwks;
  configured: (url: string) => RemoteJwks;
}

/** One key set (static keys) serving every issuer of a fixed list. */
export function fixedKeySets(issuers: readonly string[], keySet: KeySet, realm: string): KeySets {
  return new FixedKeySets(new Map(issuers.map((issuer) => [issuer, keySet])), realm);
}

/**
 * The key sets the options describe. Issuers share a key set only when the configuration names the same
 * URL for them (one `jwksUri`, or equal entries of the map); a `{tenant}` template and discovery give each
 * issuer its own, so one tenant's keys never verify another tenant's tokens.
 */
export function createKeySets(options: ResolvedOptions, make: KeySetFactories): KeySets {
  const byUrl = new Map<string, RemoteJwks>();
  const configured = (url: string): RemoteJwks => {
    let jwks = byUrl.get(url);
    if (!jwks) byUrl.set(url, (jwks = make.configured(url)));
    return jwks;
  };
  const { jwksUri, jwksUris, issuerRule } = options;
  const template = jwksUri?.includes(TENANT) ? jwksUri : undefined;
  // Set by configuration, so bounded by it: these are held for the verifier's life.
  const shared = (issuer: string): RemoteJwks | undefined => {
    const url = Object.hasOwn(jwksUris, issuer) ? jwksUris[issuer] : template ? undefined : jwksUri;
    return url === undefined ? undefined : configured(url);
  };
  if (issuerRule === undefined) {
    return new FixedKeySets(new Map(options.issuers.map((issuer) => [issuer, shared(issuer) ?? make.discovered(issuer)])), options.realm);
  }
  const allowInsecure: InsecurePolicy = options.insecureHosts.length > 0 ? { hosts: options.insecureHosts } : options.allowInsecureRequests;
  const rule: TrustRule =
    typeof issuerRule === 'function'
      ? { kind: 'function', decide: issuerRule }
      : { kind: 'pattern', compiled: compilePattern(issuerRule, allowInsecure) as CompiledPattern };
  const trust = new IssuerTrust({
    rule,
    allowInsecure,
    timeout: options.jwks.timeout,
    retryAfter: options.jwks.cooldown,
    maxRemembered: options.maxIssuers,
    realm: options.realm,
    now: options.now,
  });
  const create = (issuer: string): RemoteJwks => {
    // The tenant was matched against the safe character set, so the URL keeps the template's host and path.
    const tenant = template && rule.kind === 'pattern' ? matchTenant(rule.compiled, issuer) : undefined;
    return tenant === undefined ? make.discovered(issuer) : make.configured(fillTenant(template!, tenant));
  };
  return new DynamicKeySets({
    trust,
    shared,
    create,
    maxEntries: options.maxIssuers,
    perMinute: options.newIssuersPerMinute,
    realm: options.realm,
    now: options.now,
  });
}
