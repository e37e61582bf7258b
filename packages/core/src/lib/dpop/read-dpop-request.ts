// Reads a DPoP request (RFC 9449 section 7.1): the `DPoP` Authorization scheme, its token, and the one DPoP header.
import { InvalidDpopProofError, type TollgateErrorReason } from '../../errors.js';
import type { RequestLike } from '../../extract-bearer-token.js';

/** Longest DPoP header accepted, in characters: a proof with a 4096-bit RSA key is about 1.5 KiB. */
export const MAX_PROOF_LENGTH = 8192;
// RFC 9449 section 7.1: `DPoP 1*SP token68`; token68 as RFC 9110 section 11.2 defines it.
const DPOP_CREDENTIALS = /^dpop +([A-Za-z0-9\-._~+/]+=*)$/i;
// RFC 7515 section 7.1: three base64url segments; an empty signature is left for the alg check to refuse.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Whether an Authorization value uses the DPoP scheme (any case, RFC 9110 section 11.1). Cheap on the
 * Bearer path: one character tells most values apart.
 */
export function usesDpopScheme(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  let start = 0;
  while (value.charCodeAt(start) === 0x20 || value.charCodeAt(start) === 0x09) start += 1;
  if ((value.charCodeAt(start) | 0x20) !== 0x64) return false;
  const after = value.charCodeAt(start + 4);
  return value.slice(start, start + 4).toLowerCase() === 'dpop' && (Number.isNaN(after) || after === 0x20 || after === 0x09);
}

/** Strips spaces and tabs (RFC 9110 optional whitespace) from both ends, in linear time. */
function trimOptionalWhitespace(value: string): string {
  const isOws = (code: number) => code === 0x20 || code === 0x09;
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start += 1;
  while (end > start && isOws(value.charCodeAt(end - 1))) end -= 1;
  return value.slice(start, end);
}

/** The token of `DPoP <token68>` (surrounding spaces and tabs ignored), or `undefined` when malformed. */
export function dpopToken(value: string): string | undefined {
  return DPOP_CREDENTIALS.exec(trimOptionalWhitespace(value))?.[1];
}

const refuse = (reason: TollgateErrorReason, description: string, realm: string) => new InvalidDpopProofError(description, { reason, realm });

/** How many header lines named `DPoP` (any case) the raw list holds. */
function countProofHeaders(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name?.length === 4 && name.toLowerCase() === 'dpop') count += 1;
  }
  return count;
}

/**
 * The request's one DPoP proof, as sent (a compact JWS within {@link MAX_PROOF_LENGTH}). Throws
 * `InvalidDpopProofError` when there is none, more than one (RFC 9449 section 4.3 point 1), or one that is
 * not a compact JWS.
 */
export function readProof(request: RequestLike, realm: string): string {
  const value = request.headers.dpop;
  if (value === undefined) throw refuse('dpop_missing_proof', 'DPoP proof required', realm);
  // Node joins repeated unknown headers with ', ' (no JWS holds a comma); other servers give an array.
  if (typeof value !== 'string' || value.includes(',') || (request.rawHeaders && countProofHeaders(request.rawHeaders) > 1)) {
    throw refuse('dpop_multiple_proofs', 'more than one DPoP proof', realm);
  }
  if (value.length > MAX_PROOF_LENGTH * 2) throw refuse('dpop_malformed_proof', 'malformed DPoP proof', realm);
  const proof = trimOptionalWhitespace(value);
  if (proof.length === 0) throw refuse('dpop_missing_proof', 'DPoP proof required', realm);
  if (proof.length > MAX_PROOF_LENGTH || !COMPACT_JWS.test(proof)) throw refuse('dpop_malformed_proof', 'malformed DPoP proof', realm);
  return proof;
}
