// Verifier options: the public type, and their validation (zod) into a frozen, resolved form.
import { z } from 'zod';
import { TollgateConfigError } from './errors.js';
import { DEFAULT_ALGORITHMS, DEFAULT_MAX_RSA_MODULUS_BITS, MAX_RSA_MODULUS_BITS, MIN_RSA_MODULUS_BITS, SUPPORTED_ALGORITHMS, type Algorithm } from './algorithms.js';
import { duration } from './lib/zod-duration.js';
import { checkInsecureHost, checkIssuerUrl, checkUrl, type InsecurePolicy } from './lib/url-policy.js';
import { introspectionSchema, resolveIntrospection } from './lib/introspection/introspection-schema.js';
import type { IntrospectionOptions, ResolvedIntrospectionOptions } from './introspection.js';

/** A duration: seconds as a number, or text such as `'30s'`, `'10m'`, `'1h'`. */
export type Duration = number | string;

/** How the JWKS is fetched and cached. */
export interface JwksOptions {
  /**
   * How long fetched keys (and the issuer's discovery metadata) are used before they are fetched again.
   * Older keys keep serving while they are refreshed in the background, within `staleIfError`.
   * Keys are refetched for age at most once per `cooldown`, even when this is shorter. Default `'10m'`.
   */
  cacheMaxAge?: Duration;
  /**
   * After a refetch that still could not verify a token (its `kid` unknown, or its signature failing
   * under the key of its `kid`), or after a failed fetch, no such refetch happens for this long: a
   * flood of forged tokens costs one fetch per cooldown. Default `'30s'`; at least 1 second.
   */
  cooldown?: Duration;
  /** Timeout of one HTTP request (discovery or JWKS). Default `'5s'`. */
  timeout?: Duration;
  /** Largest JWKS or discovery response accepted, in bytes. Default 256 KiB. */
  maxResponseBytes?: number;
  /**
   * How long past `cacheMaxAge` expired keys are still used: while they are refreshed in the background
   * (requests never wait for that refresh) and while the endpoint fails. Default `'1h'`; `0` disables
   * both, so a request waits for the refetch once the keys are older than `cacheMaxAge`.
   */
  staleIfError?: Duration;
  /**
   * Largest RSA modulus accepted, in bits; larger RSA keys in the JWKS are skipped as unusable. Every
   * forged token costs one signature check, and its cost grows faster than the square of the modulus:
   * ~2.3x a 2048-bit check at 4096 bits, ~8x at 8192, ~30x at 16384. Default 4096 (the largest size
   * issuers publish in practice); at least 2048 (RFC 7518 section 3.3), at most 16384.
   * Public exponents are bounded too: odd, at least 3 and under 2^32 (RFC 8017 section 3.1; in
   * practice 65537).
   * @example jwks: { maxRsaModulusBits: 8192 }
   * @see RFC 7518 section 3.3, RFC 8017 section 3.1
   */
  maxRsaModulusBits?: number;
}

/** Options of `createVerifier` and `verifyToken`. */
export interface VerifierOptions {
  /**
   * The authorization server's issuer identifier, matched exactly against `iss`. Several are allowed.
   * Without `jwksUri` the keys are discovered from it (RFC 8414, then OpenID Connect Discovery).
   */
  issuer: string | readonly string[];
  /** This API's identifier; the token's `aud` must contain one of these. */
  audience: string | readonly string[];
  /** The JWKS URL; skips discovery. */
  jwksUri?: string;
  /** Allowed signature algorithms (asymmetric only). Default RS256, PS256, ES256, EdDSA. */
  algorithms?: readonly Algorithm[];
  /** Leeway for `exp`, `nbf` and `iat`. Default `5` seconds. */
  clockTolerance?: Duration;
  /** Rejects tokens whose `iat` is older than this. Off by default. */
  maxTokenAge?: Duration;
  /** RFC 9068 only: `typ` must be `at+jwt` and its required claims present. Default `false`. */
  strict?: boolean;
  /** Claims that must be present (besides `exp`, always required). */
  requiredClaims?: readonly string[];
  /** Realm of the `WWW-Authenticate` challenge. Default `'api'`. */
  realm?: string;
  /** Longest raw token accepted, in characters, checked before any parsing. Default 8192. */
  maxTokenLength?: number;
  /** JWKS fetching and caching. */
  jwks?: JwksOptions;
  /**
   * Caches of decisions, keyed by the exact token; `false` disables both. `maxEntries`: verified tokens
   * (clients reuse tokens), default 1000. `maxRejections`: refusals that only a new key set could change
   * (bad signature, expired, wrong audience...), so a client stuck on one bad token stays cheap;
   * default 1000, `0` disables.
   */
  cache?: { maxEntries?: number; maxRejections?: number } | false;
  /**
   * Allows `http:` issuer and JWKS URLs: `true` on localhost, 127.0.0.1 and [::1] only;
   * `{ hosts: ['keycloak'] }` there and on the named development hosts too (a docker compose service).
   * Development and tests only: over http, anyone on the network can serve keys. Default `false`.
   */
  allowInsecureRequests?: boolean | { hosts: readonly string[] };
  /**
   * Opaque tokens by introspection (RFC 7662): the endpoint (or discovery), the API's own client
   * credentials, which tokens go there, and the result cache. See `docs/introspection.md`.
   */
  introspection?: IntrospectionOptions;
  /** The fetch implementation for discovery, JWKS and introspection. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. For tests. */
  now?: () => number;
}

/** Options after validation and defaults: durations in seconds, lists as arrays. Frozen. */
export interface ResolvedOptions {
  /** Accepted `iss` values, without duplicates. */
  readonly issuers: readonly string[];
  /** Accepted audiences: the token's `aud` must contain one. */
  readonly audiences: readonly string[];
  /** The configured JWKS URL; `undefined`: the keys are discovered from the issuer. */
  readonly jwksUri: string | undefined;
  /** Allowed signature algorithms. */
  readonly algorithms: readonly Algorithm[];
  /** Leeway for `exp`, `nbf` and `iat`, in seconds. */
  readonly clockTolerance: number;
  /** Oldest `iat` accepted, in seconds before now; `undefined`: no limit. */
  readonly maxTokenAge: number | undefined;
  /** Whether the RFC 9068 checks apply (`typ: at+jwt`, its required claims). */
  readonly strict: boolean;
  /** Claims that must be present, besides `exp`. */
  readonly requiredClaims: readonly string[];
  /** Realm of the `WWW-Authenticate` challenge. */
  readonly realm: string;
  /** Longest raw token accepted, in characters. */
  readonly maxTokenLength: number;
  /** JWKS fetching and caching, durations in seconds (see {@link JwksOptions}). */
  readonly jwks: {
    /** How long fetched keys are used before they are fetched again. */
    readonly cacheMaxAge: number;
    /** Least time between the refetches that unknown kids, failing signatures or failed fetches cause. */
    readonly cooldown: number;
    /** Timeout of one HTTP request. */
    readonly timeout: number;
    /** Largest JWKS or discovery response accepted, in bytes. */
    readonly maxResponseBytes: number;
    /** How long past `cacheMaxAge` expired keys are still used. */
    readonly staleIfError: number;
    /** Largest RSA modulus accepted, in bits. */
    readonly maxRsaModulusBits: number;
  };
  /** Verified tokens kept in the cache; `0`: none. */
  readonly cacheMaxEntries: number;
  /** Refusals kept in the cache; `0`: none. */
  readonly cacheMaxRejections: number;
  /** Whether any `http:` URL is allowed (see {@link ResolvedOptions.insecureHosts}). */
  readonly allowInsecureRequests: boolean;
  /** Named development hosts `http:` is allowed for, besides loopback; empty unless configured. */
  readonly insecureHosts: readonly string[];
  /** Token introspection, resolved; `undefined` when not configured. */
  readonly introspection: ResolvedIntrospectionOptions | undefined;
  /** The fetch implementation for discovery, JWKS and introspection. */
  readonly fetch: typeof globalThis.fetch;
  /** The clock, in milliseconds since the epoch. */
  readonly now: () => number;
}

const nonEmptyList = (what: string) =>
  z
    .union([z.string(), z.array(z.string())], { error: `required: ${what}, as a string or an array of strings` })
    .transform((value) => (Array.isArray(value) ? value : [value]))
    .refine((list) => list.length > 0 && list.every((item) => item.length > 0), { message: `must name at least one ${what}, none empty` });

const algorithm = z.string().superRefine((alg, ctx) => {
  if ((SUPPORTED_ALGORITHMS as readonly string[]).includes(alg)) return;
  let message = `'${alg}' is not supported; use any of ${SUPPORTED_ALGORITHMS.join(', ')}`;
  if (alg.toLowerCase() === 'none') message = `'none' is never allowed: it accepts unsigned tokens`;
  else if (/^HS\d+$/i.test(alg)) message = `'${alg}' is symmetric (a shared secret); tollgate verifies with the issuer's public keys only`;
  ctx.addIssue({ code: 'custom', message });
});

const rsaBitsMessage = `must be a whole number of bits from ${MIN_RSA_MODULUS_BITS} (RFC 7518 section 3.3) to ${MAX_RSA_MODULUS_BITS}`;

const schema = z.strictObject({
  issuer: nonEmptyList('issuer identifier (the iss of your tokens, e.g. https://auth.example.com/)'),
  audience: nonEmptyList('audience (this API\'s identifier, the aud of your tokens)'),
  jwksUri: z.string().optional(),
  algorithms: z.array(algorithm).min(1, { message: 'must allow at least one algorithm' }).optional(),
  clockTolerance: duration('clockTolerance').optional(),
  maxTokenAge: duration('maxTokenAge').optional(),
  strict: z.boolean().optional(),
  requiredClaims: z.array(z.string().min(1)).optional(),
  realm: z
    .string()
    .regex(/^[\x20-\x7e]*$/, { message: 'must be printable ASCII (it is sent in the WWW-Authenticate header)' })
    .optional(),
  maxTokenLength: z.number().int().min(64).max(1024 * 1024).optional(),
  jwks: z
    .strictObject({
      cacheMaxAge: duration('cacheMaxAge').optional(),
      // The cooldown is what bounds the fetches an attacker's tokens cause: 0 would turn each into a JWKS request.
      cooldown: duration('cooldown')
        .refine((seconds) => seconds >= 1, { message: 'must be at least 1 second: it bounds the JWKS fetches that unknown kids and forged signatures can cause' })
        .optional(),
      timeout: duration('timeout').optional(),
      maxResponseBytes: z.number().int().min(1024).max(64 * 1024 * 1024).optional(),
      staleIfError: duration('staleIfError').optional(),
      maxRsaModulusBits: z
        .number({ error: rsaBitsMessage })
        .int({ error: rsaBitsMessage })
        .min(MIN_RSA_MODULUS_BITS, { error: rsaBitsMessage })
        .max(MAX_RSA_MODULUS_BITS, { error: rsaBitsMessage })
        .optional(),
    })
    .optional(),
  cache: z
    .union([
      z.literal(false),
      z.strictObject({
        maxEntries: z.number().int().min(1).max(1_000_000).optional(),
        maxRejections: z.number().int().min(0).max(1_000_000).optional(),
      }),
    ])
    .optional(),
  allowInsecureRequests: z
    .union(
      [
        z.boolean(),
        z.strictObject({
          hosts: z
            .array(z.string())
            .min(1, { message: 'name at least one host, or use true for localhost only' })
            .superRefine((hosts, ctx) => {
              for (const host of hosts) {
                const problem = checkInsecureHost(host);
                if (problem) ctx.addIssue({ code: 'custom', message: problem });
              }
            }),
        }),
      ],
      { error: "expected true (localhost only) or { hosts: ['keycloak'] } (development hosts)" },
    )
    .optional(),
  introspection: introspectionSchema.optional(),
  fetch: z.custom<typeof globalThis.fetch>((value) => typeof value === 'function', { message: 'must be a fetch function' }).optional(),
  now: z.custom<() => number>((value) => typeof value === 'function', { message: 'must be a function returning milliseconds' }).optional(),
});

/**
 * Validates options and applies defaults. Throws {@link TollgateConfigError} naming each wrong option.
 * The caller's object is never mutated.
 * @param input - the options as the user wrote them
 * @returns the options with defaults applied, durations in seconds, frozen
 * @example
 * const options = resolveOptions({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 * options.jwks.cacheMaxAge; // 600
 */
export function resolveOptions(input: VerifierOptions): ResolvedOptions {
  if (typeof input !== 'object' || input === null) {
    throw new TollgateConfigError('tollgate: options are required: { issuer, audience } at least');
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  - ${issue.path.join('.') || '(options)'}: ${issue.message}`);
    throw new TollgateConfigError(`tollgate: invalid options\n${lines.join('\n')}`);
  }
  const options = parsed.data;
  const insecureHosts = typeof options.allowInsecureRequests === 'object' ? options.allowInsecureRequests.hosts.map((host) => host.toLowerCase()) : [];
  const allowInsecure: InsecurePolicy = insecureHosts.length > 0 ? { hosts: insecureHosts } : (options.allowInsecureRequests === true);
  const problems: string[] = [];
  for (const issuer of options.issuer) {
    const problem = checkUrl('issuer', issuer, allowInsecure) ?? checkIssuerUrl('issuer', issuer);
    if (problem) problems.push(problem);
  }
  if (options.jwksUri !== undefined) {
    const problem = checkUrl('jwksUri', options.jwksUri, allowInsecure);
    if (problem) problems.push(problem);
  }
  const issuers = Object.freeze([...new Set(options.issuer)]);
  const introspection = options.introspection && resolveIntrospection(options.introspection, { issuers, allowInsecure });
  if (Array.isArray(introspection)) problems.push(...introspection);
  if (problems.length) throw new TollgateConfigError(`tollgate: invalid options\n${problems.map((p) => `  - ${p}`).join('\n')}`);

  const strict = options.strict ?? false;
  const resolved: ResolvedOptions = {
    issuers,
    audiences: Object.freeze([...new Set(options.audience)]),
    jwksUri: options.jwksUri,
    algorithms: Object.freeze([...new Set(options.algorithms ?? DEFAULT_ALGORITHMS)]) as readonly Algorithm[],
    clockTolerance: options.clockTolerance ?? 5,
    maxTokenAge: options.maxTokenAge,
    strict,
    requiredClaims: Object.freeze([...new Set(options.requiredClaims ?? [])]),
    realm: options.realm ?? 'api',
    maxTokenLength: options.maxTokenLength ?? 8192,
    jwks: Object.freeze({
      cacheMaxAge: options.jwks?.cacheMaxAge ?? 600,
      cooldown: options.jwks?.cooldown ?? 30,
      timeout: options.jwks?.timeout ?? 5,
      maxResponseBytes: options.jwks?.maxResponseBytes ?? 256 * 1024,
      staleIfError: options.jwks?.staleIfError ?? 3600,
      maxRsaModulusBits: options.jwks?.maxRsaModulusBits ?? DEFAULT_MAX_RSA_MODULUS_BITS,
    }),
    cacheMaxEntries: options.cache === false ? 0 : (options.cache?.maxEntries ?? 1000),
    cacheMaxRejections: options.cache === false ? 0 : (options.cache?.maxRejections ?? 1000),
    allowInsecureRequests: allowInsecure !== false,
    insecureHosts: Object.freeze(insecureHosts),
    introspection: Array.isArray(introspection) ? undefined : introspection,
    fetch: options.fetch ?? ((...args) => globalThis.fetch(...args)),
    now: options.now ?? Date.now,
  };
  return Object.freeze(resolved);
}
