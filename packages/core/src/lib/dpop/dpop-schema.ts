// Validation of the `dpop` option (zod) into ResolvedDpopOptions, failing closed on every doubtful spelling.
import { z } from 'zod';
import { SUPPORTED_ALGORITHMS, type Algorithm } from '../../algorithms.js';
import type { ResolvedDpopOptions } from '../../dpop.js';
import { createMemoryReplayStore, type ReplayStore } from '../../replay-store.js';
import { flagOrObject } from '../flag-or-object.js';
import { duration } from '../zod-duration.js';

/** Proof algorithms accepted when `dpop.algorithms` is not given. */
export const DEFAULT_DPOP_ALGORITHMS: readonly Algorithm[] = Object.freeze(['ES256', 'ES384', 'ES512', 'PS256', 'RS256', 'EdDSA', 'Ed25519'] as Algorithm[]);

// A secret shorter than this is guessable offline from one nonce: 32 characters of base64 is 192 bits.
const MIN_SECRET_LENGTH = 32;
// Without a replay store a captured proof works again for its whole window: keep that window short.
const MAX_AGE_WITHOUT_REPLAY = 60;

const algorithm = z.string({ error: 'must be a string' }).superRefine((alg, ctx) => {
  if ((SUPPORTED_ALGORITHMS as readonly string[]).includes(alg)) return;
  let message = `'${alg}' is not supported; use any of ${SUPPORTED_ALGORITHMS.join(', ')}`;
  if (alg.toLowerCase() === 'none') message = `'none' is never allowed: an unsigned proof proves nothing`;
  else if (/^HS\d+$/i.test(alg)) message = `'${alg}' is symmetric: a DPoP proof is signed with the client's private key and checked with the public key it carries`;
  ctx.addIssue({ code: 'custom', message });
});

const secret = z
  .string({ error: 'each secret must be a string' })
  .min(MIN_SECRET_LENGTH, { message: `each secret must be at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -base64 32)` });

const isReplayStore = (value: unknown): value is ReplayStore =>
  typeof value === 'object' && value !== null && typeof (value as ReplayStore).claim === 'function';

const publicUrl = z.string({ error: "must be the API's public base URL, e.g. 'https://api.example.com'" }).superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: "must be an absolute URL, e.g. 'https://api.example.com'" });
    return;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: 'must be an http: or https: URL' });
  if (url.username || url.password || url.search || url.hash || value.includes('?') || value.includes('#')) {
    ctx.addIssue({ code: 'custom', message: 'must be a base URL without credentials, query or fragment' });
  }
});

const dpopObject = z.strictObject({
      required: z.boolean({ error: 'must be true or false' }).optional(),
      algorithms: z.array(algorithm, { error: 'must be an array of algorithm names' }).min(1, { message: 'must allow at least one algorithm' }).optional(),
      proofMaxAge: duration('dpop.proofMaxAge')
        .refine((seconds) => seconds >= 1 && seconds <= 3600, { message: 'must be from 1 second to 1 hour' })
        .optional(),
      nonce: z
        .union(
          [
            z.literal(false),
            z.strictObject({
              secret: z.union([secret, z.array(secret).min(1, { message: 'must name at least one secret' })], { error: 'expected a secret string or an array of them (the first issues nonces)' }),
              lifetime: duration('dpop.nonce.lifetime')
                .refine((seconds) => seconds >= 10 && seconds <= 3600, { message: 'must be from 10 seconds to 1 hour' })
                .optional(),
            }),
          ],
          { error: 'expected false or { secret, lifetime? }' },
        )
        .optional(),
      replay: z
        .custom<ReplayStore | false>((value) => value === false || isReplayStore(value), {
          message: 'expected a ReplayStore (an object with claim(key, ttlSeconds)) or false',
        })
        .optional(),
      publicUrl: publicUrl.optional(),
    });

/**
 * The zod schema of `dpop`: a boolean, or the options object, whose own problems are reported member by
 * member (a zod union would hide them behind one "invalid input").
 */
export const dpopSchema = flagOrObject(
  (value): value is boolean => typeof value === 'boolean',
  dpopObject,
  'expected true, false, or { required?, algorithms?, proofMaxAge?, nonce?, replay?, publicUrl? }',
);

/**
 * Resolves the parsed `dpop` option: `undefined` when DPoP is off (`false`), the defaults when it was not
 * given (`configured: false`) or given as `true`. Problems across members are pushed to `problems`.
 */
export function resolveDpop(parsed: z.infer<typeof dpopSchema> | undefined, problems: string[]): ResolvedDpopOptions | undefined {
  if (parsed === false) return undefined;
  const given = typeof parsed === 'object' ? parsed : {};
  const proofMaxAge = given.proofMaxAge ?? 300;
  const secrets = given.nonce ? (typeof given.nonce.secret === 'string' ? [given.nonce.secret] : [...given.nonce.secret]) : [];
  if (new Set(secrets).size !== secrets.length) problems.push('dpop.nonce.secret: a secret is listed twice');
  if (given.replay === false && proofMaxAge > MAX_AGE_WITHOUT_REPLAY) {
    problems.push(`dpop.replay: false leaves captured proofs usable for their whole window: set dpop.proofMaxAge to at most ${MAX_AGE_WITHOUT_REPLAY} seconds, or keep a replay store`);
  }
  return Object.freeze({
    configured: parsed !== undefined,
    required: given.required ?? false,
    algorithms: Object.freeze([...new Set((given.algorithms as Algorithm[] | undefined) ?? DEFAULT_DPOP_ALGORITHMS)]),
    proofMaxAge,
    nonce: given.nonce ? Object.freeze({ secrets: Object.freeze(secrets), lifetime: given.nonce.lifetime ?? 300 }) : undefined,
    replay: given.replay === false ? undefined : (given.replay ?? createMemoryReplayStore()),
    publicUrl: given.publicUrl?.replace(/\/+$/, ''),
  });
}
