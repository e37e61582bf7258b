// Verifier options: the public type, and their validation (zod) into a frozen, resolved form.
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { z } from 'zod';
import { TollgateConfigError } from './errors.js';
import { DEFAULT_ALGORITHMS, DEFAULT_MAX_RSA_MODULUS_BITS, MAX_RSA_MODULUS_BITS, MIN_RSA_MODULUS_BITS, SUPPORTED_ALGORITHMS, type Algorithm } from './algorithms.js';
import type { ClaimRuleSet, ResolvedClaimRules } from './claim-rules.js';
import { duration } from './lib/zod-duration.js';
import { checkIssuers, issuerSchema, jwksUriSchema } from './lib/issuer-option.js';
import { claimRuleSetSchema } from './lib/resolve-claim-rules.js';
import { checkInsecureHost, type InsecurePolicy } from './lib/url-policy.js';
import { resolveStaticKeys, staticKeyConflicts } from './lib/static-keys.js';
import { cacheControlBounds } from './lib/cache-control.js';
import { introspectionSchema, resolveIntrospection } from './lib/introspection/introspection-schema.js';
import type { IntrospectionOptions, ResolvedIntrospectionOptions } from './introspection.js';
import type { DpopOptions, ResolvedDpopOptions } from './dpop.js';
import { dpopSchema, resolveDpop } from './lib/dpop/dpop-schema.js';
import { mtlsSchema, resolveMtls } from './lib/mtls/mtls-schema.js';
import type { MtlsOptions, ResolvedMtlsOptions } from './mtls.js';
import type { ResolvedResourceMetadata, ResourceMetadataOptions, ScopeHierarchy, ScopeMatcher } from './resource-metadata.js';
import { metadataSchema, resolveResource, scopeHierarchySchema } from './lib/resource-option.js';

/** A duration: seconds as a number, or text such as `'30s'`, `'10m'`, `'1h'`. */
export type Duration = number | string;

/** How the JWKS is fetched and cached. */
export interface JwksOptions {
  /**
   * How long fetched keys (and the issuer's discovery metadata) are used before they are fetched again,
   * when the response's caching headers do not say (see `cacheControl`).
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
  /**
   * Whether the JWKS and discovery responses' caching headers set how long they are used, and within
   * which bounds. A response's `Cache-Control: max-age` (less its `Age`), else its `Expires`, replaces
   * `cacheMaxAge` for that fetch, held within `min`..`max`; `no-store` and `no-cache` count as 0 (so
   * `min`). A response without these headers gets `cacheMaxAge`. Fetches for age stay at most one per
   * `cooldown` whatever the header says. Default `true`: `min` `'1m'` (or `cacheMaxAge`, when shorter)
   * and `max` `cacheMaxAge`, so a response may shorten how long keys are kept but never lengthen it;
   * `false` ignores the headers. `cacheMaxAge` must lie within the bounds.
   * @example jwks: { cacheControl: { min: '5m', max: '1d' } }
   * @see RFC 9111 sections 4.2 and 5.2.2
   */
  cacheControl?:
    | boolean
    | {
        /** The shortest freshness a response can ask for (`max-age=0`, `no-store`...). Default `'1m'` (or `cacheMaxAge`, when shorter). */
        min?: Duration;
        /** The longest freshness a response can ask for. Default `cacheMaxAge`: a withdrawn key is dropped no later than without the header. */
        max?: Duration;
      };
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

/**
 * Decides whether a token's issuer is trusted, before anything is fetched for it. Called with the token's
 * unverified `iss` (a string, spelled as an issuer URL must be); only a return of exactly `true` (or a
 * promise of it) trusts it, and the `iss` is still compared exactly once the signature checked out. A
 * throw, a rejection or any other value refuses the token (401); no answer within `jwks.timeout` is a
 * 503, and `context.signal` is aborted then, so a lookup can stop. Each answer is reused for 60 seconds
 * per issuer.
 * @example
 * const issuer: IssuerFunction = async (iss, { signal }) => (await customers.findByIssuer(iss, { signal })) !== undefined;
 * @see RFC 9068 section 4 (iss validation), RFC 8414 section 3.3
 */
export type IssuerFunction = (iss: string, context: IssuerFunctionContext) => boolean | Promise<boolean>;

/** What an {@link IssuerFunction} is given beside the `iss`. */
export interface IssuerFunctionContext {
  /** Aborted when tollgate stops waiting for the answer (after `jwks.timeout`): pass it to your lookup. */
  readonly signal: AbortSignal;
}

/**
 * Trusts every issuer identifier of one shape: `pattern` is an issuer URL with `{tenant}` once, as a
 * whole path segment (`https://login.microsoftonline.com/{tenant}/v2.0`) or as the leftmost host label
 * (`https://{tenant}.us.auth0.com/`). A tenant is 1 to 64 of `A-Z a-z 0-9 _ -` in a path, a lower-case
 * DNS label in a host; nothing else matches. `tenants` lists the tenants trusted, or is `'*'` for every
 * tenant of the provider: then anyone who can open a tenant there can mint tokens your API accepts
 * unless the audience stops them (see docs/multi-tenant.md).
 * @example
 * const issuer: IssuerPattern = { pattern: 'https://login.microsoftonline.com/{tenant}/v2.0', tenants: ['9188040d-6c67-4c5b-b112-36a304b66dad'] };
 * @see RFC 8414 section 2
 */
export interface IssuerPattern {
  /** The issuer identifier with `{tenant}` where the tenant goes. */
  pattern: string;
  /** The tenants trusted, or `'*'` for any. */
  tenants: readonly string[] | '*';
}

/**
 * Static keys: a JWKS document (`{ keys: [...] }`, as an issuer serves it) or an array of public JWKs
 * and node:crypto public `KeyObject`s.
 * @example keys: [createPublicKey(readFileSync('issuer-public.pem'))]
 * @see RFC 7517 section 5
 */
export type StaticKeys =
  | {
      /** The keys of the set (RFC 7517 section 5.1). */
      readonly keys: readonly (JsonWebKey | KeyObject)[];
    }
  | readonly (JsonWebKey | KeyObject)[];

/** A static key after validation (see {@link VerifierOptions.keys}). */
export interface ResolvedKey {
  /** The public JWK as given (with its `kid` and `alg`), or exported from a KeyObject (then without either). */
  readonly jwk: Readonly<JsonWebKey>;
  /** The node:crypto public key signatures are checked with. */
  readonly key: KeyObject;
}

/**
 * Options of `createVerifier` and `verifyToken`: {@link VerifierBaseOptions} with `audience`, `resource`, or both.
 * @example createVerifier({ issuer: 'https://auth.example.com/', resource: 'https://api.example.com/mcp' })
 */
export type VerifierOptions = VerifierBaseOptions &
  (
    | {
        /** This API's identifier; the token's `aud` must contain one of these. */
        audience: string | readonly string[];
      }
    | {
        /** The API's canonical resource URI; `audience` defaults to it. */
        resource: string;
      }
  );

/** Every option of `createVerifier`; {@link VerifierOptions} requires `audience` or `resource` of them. */
export interface VerifierBaseOptions {
  /**
   * The authorization server's issuer identifier, matched exactly against `iss`. Several are allowed.
   * Without `jwksUri` the keys are discovered from it (RFC 8414, then OpenID Connect Discovery).
   * For many tenants: an {@link IssuerPattern} or an {@link IssuerFunction}; a key set is then made per
   * trusted issuer on first use (see `maxIssuers`).
   */
  issuer: string | readonly string[] | IssuerPattern | IssuerFunction;
  /**
   * This API's identifier; the token's `aud` must contain one of these. Default: `resource` (required
   * without it). Given beside `resource`, it must contain it.
   */
  audience?: string | readonly string[];
  /**
   * The API's canonical resource URI (RFC 8707, RFC 9728, the MCP authorization spec): https (http on
   * loopback only with `allowInsecureRequests`), lower-case scheme and host, no default port, no trailing
   * slash, no query or fragment; written any other way it is a startup error naming the canonical form.
   * `audience` defaults to it; the Protected Resource Metadata and the `resource_metadata` of challenges
   * are built from it (see `metadata`).
   * @example resource: 'https://api.example.com/mcp'
   * @see RFC 8707 section 2, RFC 9728 section 1.2
   */
  resource?: string;
  /**
   * Protected Resource Metadata (RFC 9728). Default `true` when `resource` is given: every challenge
   * carries `resource_metadata="<url>"` and the adapters' metadata middleware (Fastify: the plugin itself)
   * serves the document. `false` turns both off; an object sets the document's members.
   * @example metadata: { resourceName: 'Orders MCP server' }
   * @see RFC 9728 sections 2, 3 and 5.1
   */
  metadata?: boolean | ResourceMetadataOptions;
  /**
   * Scopes that grant other scopes (`implies`, `prefix:*` wildcards, or your function), honoured by every
   * scope guard. Off by default: a scope grants only itself.
   * @example scopeHierarchy: { implies: { 'orders:admin': ['orders:read', 'orders:write'] } }
   */
  scopeHierarchy?: ScopeHierarchy;
  /**
   * The JWKS URL; skips discovery. Under an issuer pattern it may hold `{tenant}` (one key set per
   * tenant); without it, every issuer shares this one key set. Or one URL per issuer identifier,
   * `{ [issuer]: url }`: issuers not named there are discovered.
   */
  jwksUri?: string | Readonly<Record<string, string>>;
  /**
   * Issuer pattern or function only: most key sets held at once, one per trusted issuer (default 100);
   * the least recently used are dropped (those that never verified a token first).
   */
  maxIssuers?: number;
  /**
   * Issuer pattern or function only: most key sets of their own (discovery and JWKS fetches) made per
   * minute, so tokens naming many tenants cannot make tollgate fetch from each (default 60). Past it,
   * a token of a new issuer gets a 503 with `Retry-After`.
   */
  newIssuersPerMinute?: number;
  /**
   * Static keys, for air-gapped services and tests: nothing is ever fetched (no discovery, no JWKS).
   * They apply to every configured issuer. Every key must be usable, or `createVerifier` throws
   * `TollgateConfigError` naming it: a public key (never a private or symmetric one) of an allowed
   * algorithm, RSA within 2048..`jwks.maxRsaModulusBits` bits, `use` `sig` (or none), `key_ops` with
   * `verify` (or none), each `kid` given once. A token's `kid` selects the key of that `kid`; keys
   * without a `kid` (a KeyObject has none) serve tokens without one and tokens whose `kid` no key has.
   * An unknown `kid` is a 401 at once. Not together with `jwksUri`, nor with the `jwks` fetch
   * settings (only `jwks.maxRsaModulusBits` applies).
   * @example keys: { keys: [{ kty: 'EC', crv: 'P-256', x: '...', y: '...', kid: 'k1', alg: 'ES256' }] }
   * @see RFC 7517 section 5, RFC 7515 section 4.1.4
   */
  keys?: StaticKeys;
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
  /**
   * Claim rules every token must satisfy, else 401 `invalid_token` (`reason: 'claim_rule'`): rules by
   * claim name (`{ tenant: 'acme', groups: { includes: 'admin' } }`), a validator
   * `(claims, token) => boolean | Promise<boolean>`, or a list of both. Declarative rules are checked once
   * per token (their answer cannot change); validators on every request. A validator that throws,
   * returns no boolean or takes over 5 seconds refuses with 503. See docs/claim-rules.md.
   * @example claims: [{ tenant: 'acme' }, async (claims) => !(await revoked.has(String(claims.jti)))]
   */
  claims?: ClaimRuleSet;
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
  /**
   * DPoP-bound tokens (RFC 9449). Default: accepted when presented (a `cnf.jkt` token only with its proof);
   * `{ required: true }` refuses bearer tokens; `false` turns DPoP off. See {@link DpopOptions} and docs/dpop.md.
   * @example dpop: { required: true, nonce: { secret: process.env.DPOP_NONCE_SECRET! } }
   */
  dpop?: DpopOptions | boolean;
  /**
   * Certificate-bound tokens (RFC 8705 section 3). Default: a token with `cnf["x5t#S256"]` is valid only
   * with the TLS client certificate it names; `{ certificateHeader }` reads the certificate from a trusted
   * proxy's header instead; `false` refuses such tokens. See {@link MtlsOptions} and docs/mtls.md.
   * @example mtls: { certificateHeader: { name: 'x-client-cert', format: 'pem-urlencoded' } }
   */
  mtls?: MtlsOptions | false;
  /** The fetch implementation for discovery, JWKS and introspection. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. For tests. */
  now?: () => number;
}

/** Options after validation and defaults: durations in seconds, lists as arrays. Frozen. */
export interface ResolvedOptions {
  /** Accepted `iss` values, without duplicates; empty when `issuerRule` decides. */
  readonly issuers: readonly string[];
  /** The issuer pattern or function; `undefined` for a list of issuers. */
  readonly issuerRule: IssuerPattern | IssuerFunction | undefined;
  /** Accepted audiences: the token's `aud` must contain one. */
  readonly audiences: readonly string[];
  /** The canonical resource URI; `undefined` when not given. */
  readonly resource: string | undefined;
  /** Protected Resource Metadata, resolved; `undefined` when off. */
  readonly metadata: ResolvedResourceMetadata | undefined;
  /** Whether granted scopes satisfy a required one under `scopeHierarchy`; `undefined`: exact match only. */
  readonly scopeMatcher: ScopeMatcher | undefined;
  /** The configured JWKS URL (under a pattern, maybe a `{tenant}` template); `undefined`: see `jwksUris`, else discovery. */
  readonly jwksUri: string | undefined;
  /** JWKS URLs per issuer identifier; issuers not in it use `jwksUri` or discovery. */
  readonly jwksUris: Readonly<Record<string, string>>;
  /** Most key sets held for an issuer rule. */
  readonly maxIssuers: number;
  /** Most key sets of their own made per minute for an issuer rule. */
  readonly newIssuersPerMinute: number;
  /** The static keys, validated and imported; `undefined`: the keys are fetched. */
  readonly keys: readonly ResolvedKey[] | undefined;
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
  /** The validated `claims` rules; `undefined` when none were given. */
  readonly claims: ResolvedClaimRules | undefined;
  /** Realm of the `WWW-Authenticate` challenge. */
  readonly realm: string;
  /** Longest raw token accepted, in characters. */
  readonly maxTokenLength: number;
  /** JWKS fetching and caching, durations in seconds (see {@link JwksOptions}). */
  readonly jwks: {
    /** How long fetched keys are used before they are fetched again. */
    readonly cacheMaxAge: number;
    /** Bounds of a response's own lifetime (its caching headers), in seconds; `false`: headers ignored. */
    readonly cacheControl:
      | {
          /** The shortest freshness a response's headers can set, in seconds. */
          readonly min: number;
          /** The longest freshness a response's headers can set, in seconds. */
          readonly max: number;
        }
      | false;
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
  /** DPoP, resolved; `undefined` when turned off (`dpop: false`). */
  readonly dpop: ResolvedDpopOptions | undefined;
  /** mTLS, resolved; `undefined` when certificate-bound tokens are refused (`mtls: false`). */
  readonly mtls: ResolvedMtlsOptions | undefined;
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
  issuer: issuerSchema,
  audience: nonEmptyList('audience (this API\'s identifier, the aud of your tokens)'),
  resource: z.string({ error: "must be the API's canonical URI, e.g. 'https://api.example.com/mcp'" }).optional(),
  metadata: metadataSchema.optional(),
  scopeHierarchy: scopeHierarchySchema.optional(),
  jwksUri: jwksUriSchema.optional(),
  maxIssuers: z.number().int().min(1).max(100_000).optional(),
  newIssuersPerMinute: z.number().int().min(1).max(100_000).optional(),
  keys: z
    .custom<StaticKeys>((value) => Array.isArray(value) || (typeof value === 'object' && value !== null && Array.isArray((value as { keys?: unknown }).keys)), {
      message: 'expected a JWKS ({ keys: [...] }) or an array of public JWKs or node:crypto public KeyObjects',
    })
    .optional(),
  algorithms: z.array(algorithm).min(1, { message: 'must allow at least one algorithm' }).optional(),
  clockTolerance: duration('clockTolerance').optional(),
  maxTokenAge: duration('maxTokenAge').optional(),
  strict: z.boolean().optional(),
  requiredClaims: z.array(z.string().min(1)).optional(),
  claims: claimRuleSetSchema('verifier').optional(),
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
      cacheControl: z
        .union([z.boolean(), z.strictObject({ min: duration('cacheControl.min').optional(), max: duration('cacheControl.max').optional() })], {
          error: "expected true, false or { min?, max? } (durations like '1m', '1h')",
        })
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
  dpop: dpopSchema.optional(),
  mtls: mtlsSchema.optional(),
  fetch: z.custom<typeof globalThis.fetch>((value) => typeof value === 'function', { message: 'must be a fetch function' }).optional(),
  now: z.custom<() => number>((value) => typeof value === 'function', { message: 'must be a function returning milliseconds' }).optional(),
});

const withResource = schema.extend({ audience: schema.shape.audience.optional() });

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
  // With `resource`, the audience defaults to it (RFC 8707); without, it is required.
  const parsed = ((input as { resource?: unknown }).resource === undefined ? schema : withResource).safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  - ${issue.path.join('.') || '(options)'}: ${issue.message}`);
    throw new TollgateConfigError(`tollgate: invalid options\n${lines.join('\n')}`);
  }
  const options = parsed.data;
  const insecureHosts = typeof options.allowInsecureRequests === 'object' ? options.allowInsecureRequests.hosts.map((host) => host.toLowerCase()) : [];
  const allowInsecure: InsecurePolicy = insecureHosts.length > 0 ? { hosts: insecureHosts } : (options.allowInsecureRequests === true);
  const { issuers, jwksUris, problems } = checkIssuers(options.issuer, options.jwksUri, options, allowInsecure);
  const algorithms = Object.freeze([...new Set(options.algorithms ?? DEFAULT_ALGORITHMS)]) as readonly Algorithm[];
  const maxRsaModulusBits = options.jwks?.maxRsaModulusBits ?? DEFAULT_MAX_RSA_MODULUS_BITS;
  let keys: readonly ResolvedKey[] | undefined;
  if (options.keys !== undefined) {
    const resolvedKeys = resolveStaticKeys(options.keys, algorithms, maxRsaModulusBits);
    problems.push(...(resolvedKeys.problems ?? []), ...staticKeyConflicts(options));
    keys = resolvedKeys.keys;
  }
  const cacheMaxAge = options.jwks?.cacheMaxAge ?? 600;
  const cacheControl = cacheControlBounds(options.jwks?.cacheControl, cacheMaxAge, problems);
  // Static keys serve the issuers listed; an issuer rule makes key sets per issuer as they show up.
  if (options.keys !== undefined && ('decide' in options.issuer || 'pattern' in options.issuer)) {
    problems.push('keys: static keys serve a fixed list of issuers; with an issuer pattern or function, list the issuers instead, or use jwksUri');
  }
  // Introspection asks one known authorization server, and holds its answers to the listed issuers.
  if (options.introspection !== undefined && ('decide' in options.issuer || 'pattern' in options.issuer)) {
    problems.push('introspection: not with an issuer pattern or function; list the issuers whose introspection endpoint is asked');
  }
  const introspection = options.introspection && resolveIntrospection(options.introspection, { issuers, allowInsecure });
  if (Array.isArray(introspection)) problems.push(...introspection);
  const dpop = resolveDpop(options.dpop, problems);
  const isRule = 'decide' in options.issuer || 'pattern' in options.issuer;
  const resource = resolveResource(
    { resource: options.resource, audience: options.audience, metadata: options.metadata, scopeHierarchy: options.scopeHierarchy },
    { issuers, issuerRule: isRule, allowInsecure },
    problems,
  );
  if (problems.length) throw new TollgateConfigError(`tollgate: invalid options\n${problems.map((p) => `  - ${p}`).join('\n')}`);

  const strict = options.strict ?? false;
  const resolved: ResolvedOptions = {
    issuers: Object.freeze(issuers),
    issuerRule: 'decide' in options.issuer ? options.issuer.decide : 'pattern' in options.issuer ? freezePattern(options.issuer.pattern) : undefined,
    audiences: Object.freeze([...new Set(resource.audiences)]),
    resource: resource.resource,
    metadata: resource.metadata,
    scopeMatcher: resource.scopeMatcher,
    jwksUri: typeof options.jwksUri === 'string' ? options.jwksUri : undefined,
    jwksUris: Object.freeze(jwksUris),
    maxIssuers: options.maxIssuers ?? 100,
    newIssuersPerMinute: options.newIssuersPerMinute ?? 60,
    keys,
    algorithms,
    clockTolerance: options.clockTolerance ?? 5,
    maxTokenAge: options.maxTokenAge,
    strict,
    requiredClaims: Object.freeze([...new Set(options.requiredClaims ?? [])]),
    claims: options.claims,
    realm: options.realm ?? 'api',
    maxTokenLength: options.maxTokenLength ?? 8192,
    jwks: Object.freeze({
      cacheMaxAge,
      cacheControl,
      cooldown: options.jwks?.cooldown ?? 30,
      timeout: options.jwks?.timeout ?? 5,
      maxResponseBytes: options.jwks?.maxResponseBytes ?? 256 * 1024,
      staleIfError: options.jwks?.staleIfError ?? 3600,
      maxRsaModulusBits,
    }),
    cacheMaxEntries: options.cache === false ? 0 : (options.cache?.maxEntries ?? 1000),
    cacheMaxRejections: options.cache === false ? 0 : (options.cache?.maxRejections ?? 1000),
    allowInsecureRequests: allowInsecure !== false,
    insecureHosts: Object.freeze(insecureHosts),
    introspection: Array.isArray(introspection) ? undefined : introspection,
    dpop,
    mtls: resolveMtls(options.mtls),
    fetch: options.fetch ?? ((...args) => globalThis.fetch(...args)),
    now: options.now ?? Date.now,
  };
  return Object.freeze(resolved);
}

function freezePattern(pattern: IssuerPattern): IssuerPattern {
  return Object.freeze({ pattern: pattern.pattern, tenants: pattern.tenants === '*' ? '*' : Object.freeze([...pattern.tenants]) });
}
