// Validates the `keys` option (static keys: a JWKS, or public JWKs and KeyObjects) into the keys a verifier checks with.
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { types } from 'node:util';
import type { ResolvedKey as StaticKey } from '../options.js';
import { MAX_KEYS, unusableKeyReason } from './parse-jwks.js';

/** The result of {@link resolveStaticKeys}: the keys, or what is wrong with them (one line each). */
export type StaticKeysResult = { readonly keys: readonly StaticKey[]; readonly problems?: undefined } | { readonly keys?: undefined; readonly problems: readonly string[] };

const PUBLIC_KEY_HINT = "give the issuer's public key instead (its JWK, or createPublicKey(pem) from node:crypto)";

/** A kid as quoted in a message: it names a key, it is not secret, but it is capped. */
const quoteKid = (kid: string) => JSON.stringify(kid.length > 64 ? `${kid.slice(0, 64)}…` : kid);

/**
 * Checks every static key against the rules remote keys follow (parseJwks) and imports it. Where a
 * remote key that breaks a rule is skipped, a static one is a problem to fix at startup: it was given
 * on purpose, and a key silently dropped would turn into 401s at the first token. Messages name the
 * entry (`keys[2]`) and the rule, never key material.
 * @param input - the `keys` option: `{ keys: [...] }` or an array; entries are JWKs or public KeyObjects
 * @example resolveStaticKeys([createPublicKey(pem)], ['RS256'], 4096) // { keys: [{ jwk, key }] }
 * @see RFC 7517 section 5, RFC 7518 section 3.3
 */
export function resolveStaticKeys(input: unknown, algorithms: readonly string[], maxRsaModulusBits: number): StaticKeysResult {
  const entries: unknown = Array.isArray(input) ? input : (input as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(entries)) return { problems: ['keys: expected a JWKS ({ keys: [...] }) or an array of public JWKs or node:crypto public KeyObjects'] };
  if (entries.length === 0) return { problems: ['keys: is empty; give at least one public key (or remove keys to fetch the issuer\'s JWKS)'] };
  if (entries.length > MAX_KEYS) return { problems: [`keys: holds ${entries.length} keys; at most ${MAX_KEYS}`] };
  const problems: string[] = [];
  const keys: StaticKey[] = [];
  const kids = new Map<string, number>();
  // By index, not forEach: a hole in a sparse array is an entry that is no key, not one to skip.
  for (let index = 0; index < entries.length; index += 1) {
    const where = `keys[${index}]`;
    const resolved = resolveEntry(entries[index] as unknown, algorithms, maxRsaModulusBits);
    if (typeof resolved === 'string') {
      problems.push(`${where}: ${resolved}`);
      continue;
    }
    // unusableKeyReason let through only a string kid or none.
    const kid = resolved.jwk.kid as string | undefined;
    if (kid !== undefined) {
      // The second key of a kid would never be tried for a token naming that kid: a mistake, not a rotation.
      const first = kids.get(kid);
      if (first !== undefined) problems.push(`${where}: has the kid ${quoteKid(kid)} of keys[${first}]; give each key its own kid`);
      else kids.set(kid, index);
    }
    keys.push(resolved);
  }
  return problems.length > 0 ? { problems } : { keys: Object.freeze(keys) };
}

/** One entry as a static key, or why it cannot be one. */
function resolveEntry(entry: unknown, algorithms: readonly string[], maxRsaModulusBits: number): StaticKey | string {
  if (types.isKeyObject(entry)) return fromKeyObject(entry as KeyObject, algorithms, maxRsaModulusBits);
  // The WebCrypto key class is a global of Node >= 17 (not on node:crypto's webcrypto in every version).
  const CryptoKeyClass = (globalThis as { CryptoKey?: abstract new () => unknown }).CryptoKey;
  if (typeof CryptoKeyClass === 'function' && entry instanceof CryptoKeyClass) {
    return 'is a WebCrypto CryptoKey; give KeyObject.from(key) (node:crypto) or its JWK';
  }
  if (typeof entry === 'object' && entry !== null) {
    const jwk = entry as Record<string, unknown>;
    if (jwk.kty === 'oct') return `is a symmetric key (kty oct); tollgate verifies with public keys only: ${PUBLIC_KEY_HINT}`;
    if ('d' in jwk || 'p' in jwk || 'q' in jwk) {
      return 'is a private key (it has d, p or q); give only its public members (drop d, p, q, dp, dq, qi), and keep the private key out of this service';
    }
  }
  const reason = unusableKeyReason(entry, algorithms, { maxRsaModulusBits });
  if (reason !== undefined) return `cannot verify tokens: ${reason}`;
  try {
    const key = createPublicKey({ key: entry as JsonWebKey, format: 'jwk' });
    return Object.freeze({ jwk: Object.freeze({ ...(entry as object) }) as JsonWebKey, key });
  } catch {
    // e.g. an EC point that is not on its curve, or a member that is not base64url.
    return 'is not a valid public key (node:crypto cannot import it)';
  }
}

function fromKeyObject(key: KeyObject, algorithms: readonly string[], maxRsaModulusBits: number): StaticKey | string {
  if (key.type === 'private') return 'is a private KeyObject; give its public key instead: createPublicKey(privateKey) (node:crypto)';
  if (key.type === 'secret') return `is a symmetric (secret) KeyObject; tollgate verifies with public keys only: ${PUBLIC_KEY_HINT}`;
  let jwk: JsonWebKey;
  try {
    jwk = key.export({ format: 'jwk' });
  } catch {
    return `is a public ${key.asymmetricKeyType ?? ''} key that has no JWK form; give an RSA, EC (P-256, P-384, P-521) or Ed25519 public key`;
  }
  // The same rules as a JWK (type, curve, RSA size and exponent, allowed algorithms); a KeyObject has no kid or alg.
  const reason = unusableKeyReason(jwk, algorithms, { maxRsaModulusBits });
  if (reason !== undefined) return `cannot verify tokens: ${reason}`;
  return Object.freeze({ jwk: Object.freeze({ ...jwk }), key });
}

/** Options that contradict `keys`: a URL to fetch keys from, and settings of fetches that never happen. */
export function staticKeyConflicts(options: { jwksUri?: unknown; jwks?: object | undefined }): string[] {
  const conflicts: string[] = [];
  if (options.jwksUri !== undefined) conflicts.push('keys and jwksUri: give one (keys are never fetched; jwksUri is where keys are fetched from)');
  for (const [name, value] of Object.entries(options.jwks ?? {})) {
    if (name !== 'maxRsaModulusBits' && value !== undefined) conflicts.push(`jwks.${name}: has no effect with keys (nothing is fetched); remove it`);
  }
  return conflicts;
}
