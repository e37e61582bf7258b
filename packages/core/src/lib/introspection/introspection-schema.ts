// Validation of the `introspection` option (zod) and the checks that need the rest of the options: URL policy, issuers, the private key.
import { z } from 'zod';
import type { IntrospectionCache, IntrospectionClientAuth, ResolvedIntrospectionOptions } from '../../introspection.js';
import { checkUrl, type InsecurePolicy } from '../url-policy.js';
import { duration } from '../zod-duration.js';
import { importPrivateKey } from '../private-key.js';
import { ClientCredentials } from './client-credentials.js';

const ASSERTION_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
const CLIENT_AUTH = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;

const positive = (what: string, max: number) =>
  duration(what).refine((seconds) => seconds > 0 && seconds <= max, { message: `must be more than 0 and at most ${max} seconds` });

const isStore = (value: unknown): value is IntrospectionCache =>
  typeof value === 'object' && value !== null && typeof (value as IntrospectionCache).get === 'function' && typeof (value as IntrospectionCache).set === 'function';

/** The zod schema of `introspection`. */
export const introspectionSchema = z.strictObject({
  endpoint: z.string().optional(),
  clientId: z.string({ error: "required: introspection.clientId, the API's own client id at the authorization server" }).min(1, { message: 'must not be empty' }),
  clientSecret: z.string({ error: 'must be a string' }).min(1, { message: 'must not be empty' }).optional(),
  privateKey: z
    .strictObject({
      key: z.custom<object>((value) => typeof value === 'object' && value !== null, { message: 'must be a private JWK or a private KeyObject' }),
      kid: z.string({ error: 'required: the kid the authorization server knows the key by' }).min(1, { message: 'must not be empty' }),
      alg: z.enum(ASSERTION_ALGORITHMS, { error: `required: one of ${ASSERTION_ALGORITHMS.join(', ')}` }),
    })
    .optional(),
  clientAuth: z.enum(CLIENT_AUTH, { error: `expected one of ${CLIENT_AUTH.join(', ')}` }).optional(),
  tokens: z.enum(['opaque', 'all'], { error: "expected 'opaque' (JWTs verified locally, other tokens introspected) or 'all' (every token introspected)" }).optional(),
  tokenTypeHint: z.union([z.literal('access_token'), z.literal(false)], { error: "expected 'access_token' or false" }).optional(),
  jwtResponse: z.boolean().optional(),
  timeout: positive('introspection.timeout', 60).optional(),
  maxResponseBytes: z.number().int().min(256).max(16 * 1024 * 1024).optional(),
  cooldown: duration('introspection.cooldown').refine((seconds) => seconds <= 300, { message: 'must be at most 300 seconds' }).optional(),
  maxConcurrent: z.number().int().min(1).max(100_000).optional(),
  maxPerSecond: z.number().int().min(1).max(100_000).optional(),
  cache: z
    .union([
      z.literal(false),
      z.strictObject({
        maxAge: duration('introspection.cache.maxAge').refine((seconds) => seconds <= 86_400, { message: 'must be at most one day: it is how long a revoked token stays accepted' }).optional(),
        negativeMaxAge: duration('introspection.cache.negativeMaxAge').refine((seconds) => seconds <= 60, { message: 'must be at most 60 seconds' }).optional(),
        maxEntries: z.number().int().min(1).max(1_000_000).optional(),
        store: z.unknown().optional(),
        storeTimeout: positive('introspection.cache.storeTimeout', 30).optional(),
      }).superRefine((cache, ctx) => {
        if (cache.store !== undefined && !isStore(cache.store)) {
          ctx.addIssue({ code: 'custom', path: ['store'], message: 'must be an object with get(key) and set(key, entry, ttlSeconds) methods (an IntrospectionCache)' });
        }
      }),
    ], { error: 'expected false (no cache) or { maxAge?, negativeMaxAge?, maxEntries?, store?, storeTimeout? }' })
    .optional(),
});

/** The `introspection` option as zod parsed it. */
export type ParsedIntrospection = z.infer<typeof introspectionSchema>;

/** Which client authentication the options ask for, or what is wrong with them. */
function clientAuthOf(parsed: ParsedIntrospection): IntrospectionClientAuth | string {
  const { clientAuth, clientSecret, privateKey } = parsed;
  const method = clientAuth ?? (clientSecret !== undefined && privateKey !== undefined ? undefined : clientSecret !== undefined ? 'client_secret_basic' : privateKey !== undefined ? 'private_key_jwt' : undefined);
  if (method === undefined) {
    return clientSecret !== undefined
      ? "introspection: both clientSecret and privateKey are given; keep one, or say which with clientAuth: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt'"
      : 'introspection: the API must authenticate to the introspection endpoint: give clientSecret (client_secret_basic) or privateKey (private_key_jwt)';
  }
  if (method === 'private_key_jwt') {
    if (privateKey === undefined) return 'introspection.privateKey: required for private_key_jwt: { key, kid, alg }';
    if (clientSecret !== undefined) return 'introspection.clientSecret: not used by private_key_jwt; remove it (or choose a client_secret_* method)';
  } else {
    if (clientSecret === undefined) return `introspection.clientSecret: required for ${method}`;
    if (privateKey !== undefined) return `introspection.privateKey: not used by ${method}; remove it (or set clientAuth: 'private_key_jwt')`;
  }
  return method;
}

/**
 * Resolves the parsed `introspection` option against the rest of the options. Returns the resolved,
 * frozen settings, or the problems found (each naming the option).
 */
export function resolveIntrospection(
  parsed: ParsedIntrospection,
  context: { issuers: readonly string[]; allowInsecure: InsecurePolicy },
): ResolvedIntrospectionOptions | string[] {
  const problems: string[] = [];
  if (parsed.endpoint !== undefined) {
    const problem = checkUrl('introspection.endpoint', parsed.endpoint, context.allowInsecure);
    if (problem) problems.push(problem);
  } else if (context.issuers.length > 1) {
    // Each issuer has its own endpoint; guessing which one to ask would send tokens to the wrong server.
    problems.push('introspection.endpoint: required with several issuers (it is discovered from the metadata of a single issuer only)');
  }
  const method = clientAuthOf(parsed);
  let credentials: ClientCredentials | undefined;
  if (!CLIENT_AUTH.includes(method as IntrospectionClientAuth)) problems.push(method);
  else if (method === 'private_key_jwt') {
    const key = importPrivateKey(parsed.privateKey!.key, parsed.privateKey!.alg, 'every introspection request');
    if (typeof key === 'string') problems.push(`introspection.privateKey.key: ${key}`);
    else credentials = new ClientCredentials({ method, clientId: parsed.clientId, privateKey: { key, kid: parsed.privateKey!.kid, alg: parsed.privateKey!.alg } });
  } else {
    credentials = new ClientCredentials({ method: method as 'client_secret_basic' | 'client_secret_post', clientId: parsed.clientId, clientSecret: parsed.clientSecret! });
  }
  if (problems.length > 0 || credentials === undefined) return problems;
  const cache = parsed.cache === false
    ? undefined
    : Object.freeze({
        maxAge: parsed.cache?.maxAge ?? 60,
        negativeMaxAge: parsed.cache?.negativeMaxAge ?? 5,
        maxEntries: parsed.cache?.maxEntries ?? 10_000,
        store: parsed.cache?.store as IntrospectionCache | undefined,
        storeTimeout: parsed.cache?.storeTimeout ?? 1,
      });
  return Object.freeze({
    endpoint: parsed.endpoint,
    clientId: parsed.clientId,
    clientAuth: credentials.method,
    credentials,
    tokens: parsed.tokens ?? 'opaque',
    tokenTypeHint: parsed.tokenTypeHint === false ? undefined : 'access_token',
    jwtResponse: parsed.jwtResponse ?? false,
    timeout: parsed.timeout ?? 5,
    maxResponseBytes: parsed.maxResponseBytes ?? 64 * 1024,
    cooldown: parsed.cooldown ?? 5,
    maxConcurrent: parsed.maxConcurrent ?? 256,
    maxPerSecond: parsed.maxPerSecond ?? 50,
    cache,
  });
}
