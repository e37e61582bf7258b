// Verifies a signed introspection response (RFC 9701): the issuer's keys, typ token-introspection+jwt, iss, aud = the API's client id.
import { InvalidTokenError } from '../../errors.js';
import { decodeJws } from '../decode-jws.js';
import type { KeySet } from '../static-jwks.js';
import { isNumericDate } from '../time-claims.js';
import { verifySignature } from '../verify-signature.js';
import { IntrospectionFailure } from './post-form.js';

/** What a signed response must satisfy. */
export interface IntrospectionJwtRules {
  readonly url: string;
  readonly algorithms: readonly string[];
  /** The key set of each configured issuer. */
  readonly keysOf: (issuer: string) => KeySet | undefined;
  readonly clientId: string;
  readonly clockTolerance: number;
  readonly maxRsaModulusBits: number;
  readonly now: () => number;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Returns the `token_introspection` member of a signed introspection response whose signature, `typ`,
 * `iss`, `aud` and time claims checked out. Throws {@link IntrospectionFailure} (`response`) otherwise:
 * a response that does not verify is not the token's fault, so it is never read as "inactive".
 * @see RFC 9701 sections 5 and 6
 */
export async function verifyIntrospectionJwt(jwt: string, rules: IntrospectionJwtRules): Promise<unknown> {
  const refuse = (why: string) => new IntrospectionFailure(`POST ${rules.url} answered a signed response that ${why}`, 'response');
  if (!COMPACT_JWS.test(jwt)) throw refuse('is not a compact JWS');
  let decoded: ReturnType<typeof decodeJws>;
  try {
    decoded = decodeJws(jwt, '');
  } catch {
    throw refuse('is not a compact JWS');
  }
  const { header, payload, signingInput, signature } = decoded;
  if (typeof header.alg !== 'string' || !rules.algorithms.includes(header.alg)) throw refuse('uses an algorithm that is not allowed');
  if (header.crit !== undefined) throw refuse('has a crit header');
  // RFC 9701 section 5: typ token-introspection+jwt, so no other kind of JWT of this issuer passes for one.
  if (typeof header.typ !== 'string' || header.typ.toLowerCase().replace(/^application\//, '') !== 'token-introspection+jwt') throw refuse('is not typed token-introspection+jwt');
  if (header.kid !== undefined && typeof header.kid !== 'string') throw refuse('has a malformed kid');
  // The unverified iss only chooses which configured issuer's keys to try; nothing else is read before the signature.
  const jwks = typeof payload.iss === 'string' ? rules.keysOf(payload.iss) : undefined;
  if (!jwks) throw refuse('is not from a configured issuer');
  const alg = header.alg;
  let valid: boolean;
  try {
    ({ valid } = await jwks.verify({ alg, kid: header.kid as string | undefined }, (key) => verifySignature(alg, key, signingInput, signature, rules.maxRsaModulusBits)));
  } catch (error) {
    if (error instanceof InvalidTokenError) throw refuse(`has no usable signing key (${error.description})`);
    throw error;
  }
  if (!valid) throw refuse('has an invalid signature');
  // RFC 9701 section 5: aud identifies the resource server that asked, i.e. this API's client id.
  const aud = payload.aud;
  if (!(aud === rules.clientId || (Array.isArray(aud) && aud.includes(rules.clientId)))) throw refuse('is addressed to another client (aud)');
  const now = rules.now() / 1000;
  if (!isNumericDate(payload.iat) || payload.iat > now + rules.clockTolerance) throw refuse('has no valid iat');
  if (payload.exp !== undefined && (!isNumericDate(payload.exp) || payload.exp <= now - rules.clockTolerance)) throw refuse('has expired');
  const inner = payload.token_introspection;
  // One issuer speaks for its own tokens only: a response signed by one configured issuer about another's is refused.
  if (typeof inner === 'object' && inner !== null && 'iss' in inner && (inner as { iss?: unknown }).iss !== payload.iss) throw refuse('vouches for a token of another issuer');
  return inner;
}
