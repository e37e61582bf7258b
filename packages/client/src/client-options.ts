// The options of createTokenClient, validated with zod into a frozen ResolvedClientOptions.
import type { JsonWebKey, KeyObject, webcrypto } from 'node:crypto';
import { importPrivateKey, parseSeconds, TollgateConfigError, type ClientAssertionAlgorithm, type Duration } from '@tollgate/core';
import { z } from 'zod';
import { checkResource, checkScope, checkUrl } from './lib/request-values.js';

/**
 * A private key for `private_key_jwt` (RFC 7523 section 2.2): a private JWK, `KeyObject` or `CryptoKey`, the `kid`
 * the authorization server knows it by, and the algorithm to sign client assertions with.
 * @example { key: privateJwk, kid: 'billing-2026-12', alg: 'ES256' }
 * @see RFC 7523 section 2.2
 */
export interface ClientPrivateKey {
  /** A private JWK (with `d`), a private `KeyObject`, or a private `CryptoKey` (from jose's `generateKeyPair`, for instance). */
  key: JsonWebKey | KeyObject | webcrypto.CryptoKey;
  /** The key id registered with the authorization server; sent as the assertion's `kid`. Required with several `keys`. */
  kid?: string;
  /** The signature algorithm; it must fit the key's type and curve. */
  alg: ClientAssertionAlgorithm;
}

/**
 * Authentication with a shared secret (RFC 6749 section 2.3.1): in the `Authorization: Basic` header
 * (`client_secret_basic`, the default and the RFC's preference) or in the form body (`client_secret_post`).
 * Give `secret`, or `secrets` during a rotation: the newest first; the next one is tried when the
 * server answers `invalid_client`, and whichever worked is used first from then on.
 * @example { method: 'client_secret_basic', secrets: [process.env.NEW_SECRET!, process.env.OLD_SECRET!] }
 * @see RFC 6749 section 2.3.1
 */
export interface ClientSecretAuth {
  /** Default `client_secret_basic`. */
  method?: 'client_secret_basic' | 'client_secret_post';
  /** The client secret. */
  secret?: string;
  /** Several secrets during a rotation, newest first (at most 5). */
  secrets?: readonly string[];
}

/**
 * Authentication with a signed client assertion (RFC 7523 section 2.2): a fresh, 60-second JWT per
 * request. Give `key`, or `keys` during a rotation: the first signs; the next one is tried when the
 * server answers `invalid_client` (it does not know the new key yet), and is then used first.
 * @example { method: 'private_key_jwt', key: { key: privateJwk, kid: 'billing-1', alg: 'ES256' } }
 * @see RFC 7523 section 2.2, section 3
 */
export interface PrivateKeyJwtAuth {
  /** `private_key_jwt` (may be left out when `key` or `keys` is given). */
  method?: 'private_key_jwt';
  /** The signing key. */
  key?: ClientPrivateKey;
  /** Several keys during a rotation, newest first (at most 5, distinct `kid`s). */
  keys?: readonly ClientPrivateKey[];
  /** `aud` of the assertions. Default: the token endpoint URL (RFC 7523 section 3). */
  audience?: string;
}

/** How the client authenticates at the token endpoint. Without `method`: `private_key_jwt` when `key` or `keys` is given, else `client_secret_basic`. */
export type ClientAuth = ClientSecretAuth | PrivateKeyJwtAuth;

/**
 * Options of {@link createTokenClient}. Give `issuer` (the token endpoint is read from its metadata) or
 * `tokenEndpoint`. Durations are seconds (a number) or text such as `'500ms'`, `'30s'`, `'5m'`.
 * @example
 * createTokenClient({ issuer: 'https://auth.example.com/', clientId: 'billing', auth: { secret }, scopes: ['orders:read'] })
 * @see RFC 6749 section 4.4
 */
export interface TokenClientOptions {
  /** The authorization server's issuer identifier: the token endpoint is discovered (RFC 8414, then OpenID Connect). */
  issuer?: string;
  /** The token endpoint URL; skips discovery. */
  tokenEndpoint?: string;
  /** The client's `client_id`. */
  clientId: string;
  /** Client authentication. */
  auth: ClientAuth;
  /** Scopes to ask for (an array, or space-delimited); default none, so the server grants its default. */
  scopes?: readonly string[] | string;
  /** Resource indicators (RFC 8707): the APIs the token is for; absolute URIs without a fragment. */
  resource?: string | readonly string[];
  /** Per HTTP request (discovery and token requests). Default `'10s'`; at most 2 minutes. */
  timeout?: Duration;
  /** Retries after a network error, a timeout, a 5xx or a 429 (never after an RFC 6749 refusal). Default 2; at most 10. */
  retries?: number;
  /** Exponential backoff with full jitter between retries. Defaults `initial: '200ms'`, `max: '5s'`. */
  backoff?: {
    /** The first delay's upper bound. Default `'200ms'`. */
    initial?: Duration;
    /** The largest delay. Default `'5s'`. */
    max?: Duration;
  };
  /** Longest `Retry-After` honoured by waiting; a longer one fails the request at once. Default `'10s'`; at most 5 minutes. */
  maxRetryAfter?: Duration;
  /**
   * The circuit breaker: after `failures` consecutive failed requests no request is sent for `cooldown`,
   * then one trial request decides. Defaults `failures: 5`, `cooldown: '10s'`. `false`: none.
   */
  breaker?:
    | {
        /** Consecutive failed requests that open it. Default 5. */
        failures?: number;
        /** How long no request is sent once open. Default `'10s'`. */
        cooldown?: Duration;
      }
    | false;
  /** Share of a token's lifetime after which it is renewed (in the background while still usable). Default 0.85. */
  renewAt?: number;
  /** Each token's renewal share is drawn from `renewAt ± renewJitter`, so instances do not renew together. Default 0.05. */
  renewJitter?: number;
  /**
   * Renew at the latest this long before a token expires (as Spring's clock skew or Duende's
   * RefreshBeforeExpiration do), but never before half its lifetime. Default `0`: `renewAt` alone decides.
   */
  renewBefore?: Duration;
  /**
   * A token is no longer handed out this long before it expires (counted from when its request was sent),
   * for clock skew and transit time; at most a tenth of the lifetime. Default `'5s'`.
   */
  expiryMargin?: Duration;
  /**
   * The lifetime assumed when a response has no `expires_in` (RFC 6749 section 5.1 only RECOMMENDS it).
   * Default `'60s'`: short, so a wrong guess costs one early renewal. `false`: refuse such responses.
   */
  defaultExpiresIn?: Duration | false;
  /** Longest `expires_in` accepted; a longer one is refused as an invalid response. Default `'1d'`; at most 366 days. */
  maxExpiresIn?: Duration;
  /** Cached tokens, one per (scopes, resource). Default 100; at most 10,000. */
  maxEntries?: number;
  /** Largest token or metadata response read. Default 64 KiB; at most 1 MiB. */
  maxResponseBytes?: number;
  /** `true`: allow `http:` URLs on localhost, 127.0.0.1 and [::1] (local development and tests). Default `false`. */
  allowInsecureRequests?: boolean;
  /** The HTTP client for token requests and for {@link TokenClient.fetch}. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** The clock, in milliseconds. Default: a monotonic clock (wall-clock jumps do not move expiries). */
  now?: () => number;
}

/** A key ready to sign client assertions. */
export interface SigningKey {
  readonly key: KeyObject;
  readonly kid: string | undefined;
  readonly alg: ClientAssertionAlgorithm;
}

/** The authentication after validation: credentials in order, keys imported. */
export type ResolvedAuth =
  | { readonly method: 'client_secret_basic' | 'client_secret_post'; readonly secrets: readonly string[] }
  | { readonly method: 'private_key_jwt'; readonly keys: readonly SigningKey[]; readonly audience: string | undefined };

/** {@link TokenClientOptions} after validation: durations in milliseconds. Frozen. Internal: it holds the credentials. */
export interface ResolvedClientOptions {
  readonly issuer: string | undefined;
  readonly tokenEndpoint: string | undefined;
  readonly clientId: string;
  readonly auth: ResolvedAuth;
  readonly scopes: readonly string[];
  readonly resource: readonly string[];
  readonly timeoutMs: number;
  readonly retries: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  readonly maxRetryAfterMs: number;
  readonly breaker: { readonly failures: number; readonly cooldownMs: number } | false;
  readonly renewAt: number;
  readonly renewJitter: number;
  readonly renewBeforeMs: number;
  readonly expiryMarginMs: number;
  readonly defaultExpiresIn: number | false;
  readonly maxExpiresIn: number;
  readonly maxEntries: number;
  readonly maxResponseBytes: number;
  readonly allowInsecureRequests: boolean;
  readonly fetch: typeof globalThis.fetch;
  readonly now: () => number;
}

const YEAR = 366 * 86_400;

const seconds = (what: string, min: number, max: number) => {
  const message = `expected ${what} between ${min} and ${max} seconds, as a number of seconds or text like '500ms', '30s', '5m'`;
  return z.union([z.number(), z.string()], { error: message }).transform((value, ctx) => {
    const parsed = parseSeconds(value);
    if (parsed === undefined || parsed < min || parsed > max) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return parsed;
  });
};

const int = (what: string, min: number, max: number) => z.number({ error: `expected ${what} as a whole number` }).int(`expected ${what} as a whole number`).min(min, `${what} must be at least ${min}`).max(max, `${what} must be at most ${max}`);

const scopesSchema = z
  .union([z.string(), z.array(z.string())], { error: "expected an array of scopes, or a space-delimited string (e.g. ['orders:read'])" })
  .transform((value, ctx) => {
    const scopes = typeof value === 'string' ? value.split(' ').filter((s) => s !== '') : value;
    for (const scope of scopes) {
      const problem = checkScope(scope);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }
    if (scopes.length > 100) ctx.addIssue({ code: 'custom', message: 'at most 100 scopes' });
    return [...new Set(scopes)];
  });

const resourceSchema = z
  .union([z.string(), z.array(z.string())], { error: 'expected a resource indicator (an absolute URI) or an array of them' })
  .transform((value, ctx) => {
    const resources = typeof value === 'string' ? [value] : value;
    for (const resource of resources) {
      const problem = checkResource(resource);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }
    if (resources.length > 20) ctx.addIssue({ code: 'custom', message: 'at most 20 resource indicators' });
    return [...new Set(resources)];
  });

const secret = z.string({ error: 'expected the client secret as a string' }).min(1, 'the secret must not be empty');

const privateKeySchema = z.strictObject({
  key: z.custom<object>((value) => typeof value === 'object' && value !== null, { error: 'expected a private JWK, KeyObject or CryptoKey' }),
  kid: z.string({ error: 'expected the kid the authorization server knows the key by' }).min(1, 'kid must not be empty').optional(),
  alg: z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'], {
    error: 'expected one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA',
  }),
});

const authSchema = z.discriminatedUnion(
  'method',
  [
    z.strictObject({
      method: z.enum(['client_secret_basic', 'client_secret_post']),
      secret: secret.optional(),
      secrets: z.array(secret).min(1, 'give at least one secret').max(5, 'at most 5 secrets').optional(),
    }),
    z.strictObject({
      method: z.literal('private_key_jwt'),
      key: privateKeySchema.optional(),
      keys: z.array(privateKeySchema).min(1, 'give at least one key').max(5, 'at most 5 keys').optional(),
      audience: z.string().min(1).optional(),
    }),
  ],
  { error: "expected method 'client_secret_basic' (the default), 'client_secret_post' or 'private_key_jwt'" },
);

const schema = z.strictObject({
  issuer: z.string({ error: 'expected the issuer identifier as a URL string' }).optional(),
  tokenEndpoint: z.string({ error: 'expected the token endpoint as a URL string' }).optional(),
  clientId: z.string({ error: 'expected the client_id as a string' }).min(1, 'clientId must not be empty').max(1000),
  auth: z.preprocess(
    // Without a method: private_key_jwt when a key is given, else client_secret_basic (RFC 6749 section 2.3.1's default).
    (value) =>
      value !== null && typeof value === 'object' && !('method' in value)
        ? { ...value, method: 'key' in value || 'keys' in value ? 'private_key_jwt' : 'client_secret_basic' }
        : value,
    authSchema,
  ),
  scopes: scopesSchema.default([]),
  resource: resourceSchema.default([]),
  timeout: seconds('timeout', 0.001, 120).default(10),
  retries: int('retries', 0, 10).default(2),
  backoff: z
    .strictObject({ initial: seconds('backoff.initial', 0, 60).default(0.2), max: seconds('backoff.max', 0, 300).default(5) })
    .default({ initial: 0.2, max: 5 }),
  maxRetryAfter: seconds('maxRetryAfter', 0, 300).default(10),
  breaker: z
    .union([z.literal(false), z.strictObject({ failures: int('breaker.failures', 1, 1000).default(5), cooldown: seconds('breaker.cooldown', 0.001, 3600).default(10) })], {
      error: "expected { failures?, cooldown? } or false",
    })
    .default({ failures: 5, cooldown: 10 }),
  renewAt: z.number({ error: 'expected renewAt as a share of the lifetime, e.g. 0.85' }).min(0.1, 'renewAt must be at least 0.1').max(0.95, 'renewAt must be at most 0.95').default(0.85),
  renewJitter: z.number({ error: 'expected renewJitter as a share of the lifetime, e.g. 0.05' }).min(0, 'renewJitter must be at least 0').max(0.2, 'renewJitter must be at most 0.2').default(0.05),
  renewBefore: seconds('renewBefore', 0, 86_400).default(0),
  expiryMargin: seconds('expiryMargin', 0, 300).default(5),
  defaultExpiresIn: z.union([z.literal(false), seconds('defaultExpiresIn', 1, 86_400)]).default(60),
  maxExpiresIn: seconds('maxExpiresIn', 1, YEAR).default(86_400),
  maxEntries: int('maxEntries', 1, 10_000).default(100),
  maxResponseBytes: int('maxResponseBytes', 1024, 1024 * 1024).default(64 * 1024),
  allowInsecureRequests: z.boolean({ error: 'expected true or false' }).default(false),
  fetch: z.custom<typeof globalThis.fetch>((value) => typeof value === 'function', { error: 'expected a fetch function' }).optional(),
  now: z.custom<() => number>((value) => typeof value === 'function', { error: 'expected a function returning milliseconds' }).optional(),
});

const fail = (path: string, message: string): never => {
  throw new TollgateConfigError(`createTokenClient: ${path}: ${message}`);
};

/** Validates `options` into a frozen {@link ResolvedClientOptions}; a {@link TollgateConfigError} naming the option otherwise. */
export function resolveClientOptions(options: TokenClientOptions): ResolvedClientOptions {
  if (options === null || typeof options !== 'object') fail('options', 'expected an object');
  const result = schema.safeParse(options);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    fail(issue.path.length > 0 ? issue.path.join('.') : 'options', issue.message);
  }
  const data = result.data!;
  if ((data.issuer === undefined) === (data.tokenEndpoint === undefined)) {
    fail('issuer', data.issuer === undefined ? 'give issuer (the token endpoint is discovered) or tokenEndpoint' : 'give issuer or tokenEndpoint, not both');
  }
  for (const [name, value] of [['issuer', data.issuer], ['tokenEndpoint', data.tokenEndpoint]] as const) {
    const problem = value === undefined ? undefined : checkUrl(value, data.allowInsecureRequests, name === 'tokenEndpoint');
    if (problem) fail(name, problem);
  }
  if (data.backoff.initial > data.backoff.max) fail('backoff', 'initial must not be longer than max');
  if (data.renewAt - data.renewJitter < 0.1 || data.renewAt + data.renewJitter > 0.95) {
    fail('renewJitter', `renewAt ± renewJitter must stay between 0.1 and 0.95 (got ${data.renewAt} ± ${data.renewJitter})`);
  }
  if (data.defaultExpiresIn !== false && data.defaultExpiresIn > data.maxExpiresIn) fail('defaultExpiresIn', 'must not be longer than maxExpiresIn');
  const fetchImpl = data.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') fail('fetch', 'no global fetch here; pass one');
  return Object.freeze({
    issuer: data.issuer,
    tokenEndpoint: data.tokenEndpoint,
    clientId: data.clientId,
    auth: resolveAuth(data.auth),
    scopes: Object.freeze(data.scopes),
    resource: Object.freeze(data.resource),
    timeoutMs: data.timeout * 1000,
    retries: data.retries,
    backoffInitialMs: data.backoff.initial * 1000,
    backoffMaxMs: data.backoff.max * 1000,
    maxRetryAfterMs: data.maxRetryAfter * 1000,
    breaker: data.breaker === false ? false : Object.freeze({ failures: data.breaker.failures, cooldownMs: data.breaker.cooldown * 1000 }),
    renewAt: data.renewAt,
    renewJitter: data.renewJitter,
    renewBeforeMs: data.renewBefore * 1000,
    expiryMarginMs: data.expiryMargin * 1000,
    defaultExpiresIn: data.defaultExpiresIn,
    maxExpiresIn: data.maxExpiresIn,
    maxEntries: data.maxEntries,
    maxResponseBytes: data.maxResponseBytes,
    allowInsecureRequests: data.allowInsecureRequests,
    fetch: fetchImpl,
    now: data.now ?? monotonicNow,
  });
}

// Epoch milliseconds that only move forward: an NTP step of the wall clock does not expire or prolong a token.
const origin = performance.timeOrigin;
function monotonicNow(): number {
  return origin + performance.now();
}

type ParsedAuth = z.output<typeof authSchema>;

function resolveAuth(auth: ParsedAuth): ResolvedAuth {
  if (auth.method === 'private_key_jwt') {
    if ((auth.key === undefined) === (auth.keys === undefined)) fail('auth', 'private_key_jwt needs key, or keys during a rotation (not both)');
    const given = auth.keys ?? [auth.key!];
    const kids = new Set<string>();
    const keys = given.map((entry, index) => {
      const where = auth.keys ? `auth.keys.${index}` : 'auth.key';
      if (given.length > 1 && entry.kid === undefined) fail(`${where}.kid`, 'with several keys, each needs the kid the authorization server knows it by');
      if (entry.kid !== undefined && kids.has(entry.kid)) fail(`${where}.kid`, `'${entry.kid}' is used by two keys; each key needs its own kid`);
      if (entry.kid !== undefined) kids.add(entry.kid);
      const imported = importPrivateKey(entry.key, entry.alg, 'every token request');
      if (typeof imported === 'string') fail(`${where}.key`, imported);
      return Object.freeze({ key: imported as KeyObject, kid: entry.kid, alg: entry.alg });
    });
    return Object.freeze({ method: 'private_key_jwt', keys: Object.freeze(keys), audience: auth.audience });
  }
  if ((auth.secret === undefined) === (auth.secrets === undefined)) fail('auth', `${auth.method} needs secret, or secrets during a rotation (not both)`);
  const secrets = auth.secrets ?? [auth.secret!];
  if (new Set(secrets).size !== secrets.length) fail('auth.secrets', 'the same secret is listed twice');
  return Object.freeze({ method: auth.method, secrets: Object.freeze([...secrets]) });
}
