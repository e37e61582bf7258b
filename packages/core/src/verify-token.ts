// verifyToken: one-call verification for code that is not a web route (queues, gRPC, CLIs).
import type { AccessToken } from './access-token.js';
import { createVerifier, type Verifier } from './create-verifier.js';
import type { VerifyOptions } from './mtls.js';
import type { VerifierOptions } from './options.js';

// Verifiers are reused per options so the JWKS is fetched once, not per call. Options objects are
// matched by identity first, then by content (for options rebuilt on every call), in a bounded map.
const byIdentity = new WeakMap<VerifierOptions, Verifier>();
const byContent = new Map<string, Verifier>();
const MAX_VERIFIERS = 32;

// Functions (fetch, now, a claim validator, an issuer function) and class instances (a KeyObject in
// `keys`) have no JSON content: each stands in the key for itself, by an identity number. The number
// follows a raw control character, which JSON text never contains, so no plain value can spell it.
const identities = new WeakMap<object, number>();
let lastIdentity = 0;

function identityOf(value: object): string {
  let id = identities.get(value);
  if (id === undefined) identities.set(value, (id = ++lastIdentity));
  return `\u0001${id}`;
}

/** The options as text: equal for options that make the same verifier; `undefined` when that cannot be told. */
function serialize(value: unknown, depth: number): string | undefined {
  if (depth > 8) return undefined;
  if (typeof value === 'function') return identityOf(value);
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'bigint' || typeof value === 'symbol' ? undefined : (JSON.stringify(value) ?? 'null');
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (Array.isArray(value) && prototype === Array.prototype) {
    const items = value.map((item) => serialize(item, depth + 1));
    return items.includes(undefined) ? undefined : `[${items.join(',')}]`;
  }
  if (prototype !== Object.prototype && prototype !== null) return identityOf(value);
  const members: string[] = [];
  for (const [name, member] of Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (member === undefined) continue;
    const text = serialize(member, depth + 1);
    if (text === undefined) return undefined;
    members.push(`${JSON.stringify(name)}:${text}`);
  }
  return `{${members.join(',')}}`;
}

/**
 * The key options are matched by when they are not the very object seen before: their content, with
 * functions and class instances compared by identity, so options written inline on every call share one
 * verifier (and one JWKS cache) as long as they name the same functions and keys.
 */
function contentKey(options: VerifierOptions): string | undefined {
  return serialize(options, 0);
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
 * A certificate-bound token (RFC 8705 section 3) passes only with `call.certificate`, the client
 * certificate it names.
 * @param token - the access token
 * @param options - the verifier's options (`issuer`, `audience`, ...)
 * @param call - per-call options: `certificate`, the client certificate of the connection the token came on
 * @example
 * const auth = await verifyToken(message.headers.token, { issuer, audience });
 * const bound = await verifyToken(token, { issuer, audience }, { certificate: tlsSocket.getPeerX509Certificate() });
 * @throws InvalidTokenError (401), JwksUnavailableError (503), TollgateConfigError for bad options
 * @see RFC 8705 section 3
 */
export async function verifyToken(token: string, options: VerifierOptions, call?: VerifyOptions): Promise<AccessToken> {
  // async: a bad option rejects the promise like any other failure instead of throwing synchronously.
  return verifierFor(options).verify(token, call);
}
