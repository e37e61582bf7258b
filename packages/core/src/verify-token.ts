// verifyToken: one-call verification for code that is not a web route (queues, gRPC, CLIs).
import type { AccessToken } from './access-token.js';
import { createVerifier, type Verifier } from './create-verifier.js';
import type { VerifierOptions } from './options.js';

// Verifiers are reused per options so the JWKS is fetched once, not per call. Options objects are
// matched by identity first, then by content (for options rebuilt on every call), in a bounded map.
const byIdentity = new WeakMap<VerifierOptions, Verifier>();
const byContent = new Map<string, Verifier>();
const MAX_VERIFIERS = 32;

/** Whether `value` is made only of JSON data: plain objects, arrays, strings, numbers, booleans, null. */
function isPlainData(value: unknown, depth = 0): boolean {
  if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value)) return true;
  if (typeof value !== 'object' || depth > 8) return false;
  if (Array.isArray(value)) return value.every((item) => isPlainData(item, depth + 1));
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value).every((member) => isPlainData(member, depth + 1));
}

function contentKey(options: VerifierOptions): string | undefined {
  // Functions (fetch, now, a cache store) and class instances (a KeyObject) have no stable JSON content:
  // two different private keys would both serialize as {}. Such options are matched by identity only.
  if (!isPlainData(options)) return undefined;
  const sorted = (value: unknown): unknown =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sorted(v)]))
      : value;
  return JSON.stringify(sorted(options));
}

function verifierFor(options: VerifierOptions): Verifier {
  const known = byIdentity.get(options);
  if (known) return known;
  const key = contentKey(options);
  let verifier = key === undefined ? undefined : byContent.get(key);
  if (!verifier) {
    verifier = createVerifier(options);
    if (key !== undefined) {
      byContent.set(key, verifier);
      if (byContent.size > MAX_VERIFIERS) byContent.delete(byContent.keys().next().value!);
    }
  }
  byIdentity.set(options, verifier);
  return verifier;
}

/**
 * Verifies a raw JWT access token. Reuses one verifier (and its JWKS cache) per options: an options
 * object is read once, so change a setting by passing a new object, not by mutating the old one.
 * @example
 * const auth = await verifyToken(message.headers.token, { issuer, audience });
 * @throws InvalidTokenError (401), JwksUnavailableError (503), TollgateConfigError for bad options
 */
export async function verifyToken(token: string, options: VerifierOptions): Promise<AccessToken> {
  // async: a bad option rejects the promise like any other failure instead of throwing synchronously.
  return verifierFor(options).verify(token);
}
