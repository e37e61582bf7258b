// verifyToken: one-call verification for code that is not a web route (queues, gRPC, CLIs).
import type { AccessToken } from './access-token.js';
import { createVerifier, type Verifier } from './create-verifier.js';
import type { VerifierOptions } from './options.js';

// Verifiers are reused per options so the JWKS is fetched once, not per call. Options objects are
// matched by identity first, then by content (for options rebuilt on every call), in a bounded map.
const byIdentity = new WeakMap<VerifierOptions, Verifier>();
const byContent = new Map<string, Verifier>();
const MAX_VERIFIERS = 32;

function contentKey(options: VerifierOptions): string | undefined {
  const sorted = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sorted)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sorted(v)]))
        : value;
  // Functions (fetch, now, a claim validator) have no stable content, and JSON would drop them (two rule
  // lists that differ only in their validator would look alike): such options are matched by identity only.
  let hasFunction = false;
  const key = JSON.stringify(sorted(options), (_name, value: unknown) => {
    if (typeof value === 'function') hasFunction = true;
    return value;
  });
  return hasFunction ? undefined : key;
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
