// The test issuer's check of a DPoP proof at its token endpoint (RFC 9449 sections 4.3 and 5): the key a token is bound to.
import type { IncomingMessage } from 'node:http';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import type { ReplayGuard } from './replay-guard.js';
import { TokenRequestError } from './token-error.js';

/** Proof algorithms the token endpoint accepts (asymmetric only), as `dpop_signing_alg_values_supported` says. */
export const DPOP_PROOF_ALGORITHMS: readonly string[] = ['ES256', 'ES384', 'ES512', 'PS256', 'RS256', 'EdDSA', 'Ed25519'];
// How far a proof's iat may lie from the issuer's clock, either way (the value core uses by default).
const PROOF_WINDOW_SECONDS = 300;
const MAX_PROOF_LENGTH = 8192;
// RFC 7517: members only a private or symmetric key has.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** What the check needs from the endpoint. */
export interface DpopProofContext {
  /** The token endpoint URL: the proof's `htu`. */
  readonly url: string;
  /** The nonce the issuer requires now, or `undefined` when it requires none. */
  readonly nonce: () => string | undefined;
  /** Proof jtis seen, per key, until they leave the window. */
  readonly replay: ReplayGuard;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

const refuse = (description: string) => new TokenRequestError('invalid_dpop_proof', description);

/** `scheme://host[:port]/path` of a URL, as RFC 9449 section 4.3 compares `htu` (no query, no fragment). */
function htuOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`;
  } catch {
    return undefined;
  }
}

/**
 * The RFC 7638 thumbprint of the key of the request's DPoP proof, or `undefined` when the request carries
 * none. A proof that fails any check of RFC 9449 section 4.3 is a 400 `invalid_dpop_proof`; a good proof
 * without the current nonce is a 400 `use_dpop_nonce` (section 8), whose DPoP-Nonce header the endpoint adds.
 * The jti is claimed last, so a refused proof never uses it up.
 * @see RFC 9449 section 5
 */
export async function checkTokenRequestProof(req: IncomingMessage, context: DpopProofContext): Promise<string | undefined> {
  const value = req.headers.dpop;
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'dpop') count += 1;
  if (value === undefined) return undefined;
  if (count !== 1 || typeof value !== 'string' || value.includes(',')) throw refuse('exactly one DPoP header');
  const proof = value.trim();
  if (proof.length === 0 || proof.length > MAX_PROOF_LENGTH) throw refuse('malformed DPoP proof');
  let header;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw refuse('malformed DPoP proof');
  }
  const jwk = header.jwk as Record<string, unknown> | undefined;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw refuse('the proof must carry its public key in jwk');
  if (PRIVATE_MEMBERS.some((name) => Object.hasOwn(jwk, name))) throw refuse('the jwk header must not hold a private key');
  let payload;
  try {
    // typ, an allowed asymmetric alg, and the signature by the key in the header (RFC 9449 section 4.3 points 4-7).
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...DPOP_PROOF_ALGORITHMS] }));
  } catch {
    throw refuse('the DPoP proof is not a dpop+jwt signed by its jwk with an allowed algorithm');
  }
  if (payload.htm !== 'POST') throw refuse('htm must be POST');
  if (typeof payload.htu !== 'string' || htuOf(payload.htu) !== htuOf(context.url)) throw refuse('htu must be the token endpoint URL');
  const now = context.now() / 1000;
  if (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat) || Math.abs(now - payload.iat) > PROOF_WINDOW_SECONDS) {
    throw refuse('iat is missing, too old or in the future');
  }
  if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 256) throw refuse('jti is missing or malformed');
  const nonce = context.nonce();
  if (nonce !== undefined && payload.nonce !== nonce) {
    throw new TokenRequestError('use_dpop_nonce', payload.nonce === undefined ? 'a DPoP nonce is required' : 'the DPoP nonce is stale; use the new one');
  }
  const jkt = await calculateJwkThumbprint(jwk as JWK, 'sha256');
  if (!context.replay.claim(`dpop ${jkt}`, payload.jti, payload.iat + PROOF_WINDOW_SECONDS, now)) throw refuse('DPoP proof replayed');
  return jkt;
}
