// The DPoP check of one request (RFC 9449 sections 4.3 and 7.1): the proof's form and claims, the token and its binding, the proof's signature, then the replay claim.
import { createHash } from 'node:crypto';
import type { AccessToken } from '../../access-token.js';
import type { ResolvedDpopOptions } from '../../dpop.js';
import { InvalidDpopProofError, InvalidTokenError, TollgateConfigError, UseDpopNonceError, type DpopChallenge, type TollgateErrorReason } from '../../errors.js';
import type { RequestLike } from '../../extract-bearer-token.js';
import { decodeJws } from '../decode-jws.js';
import { verifySignature } from '../verify-signature.js';
import { claimProof, replayKey } from './claim-proof.js';
import { expectedHtu, normalizeHtu } from './htu.js';
import { createNonces, type Nonces } from './nonces.js';
import { importProofKey, ProofKeyCache } from './proof-key.js';
import { readProof } from './read-dpop-request.js';

// RFC 9449 section 4.2 asks for at least 96 bits of randomness; anything longer than this is no jti of a real client.
const MAX_JTI_LENGTH = 256;
const MAX_HTU_LENGTH = 4096;
// How far in the future a proof's iat may lie: clock skew, not a second proofMaxAge. Each accepted proof
// holds a replay entry until iat + proofMaxAge, so a client sending proofs dated ahead would double that.
const MAX_FUTURE_IAT_SECONDS = 60;

/** What the DPoP check needs from the verifier. */
export interface DpopEnvironment {
  readonly realm: string;
  /** The clock, in milliseconds. */
  readonly now: () => number;
  /** Largest RSA modulus of a proof key, in bits. */
  readonly maxRsaModulusBits: number;
  /** The verifier's clock tolerance, in seconds: how far another instance's clock may be ahead. */
  readonly clockTolerance: number;
}

/** The DPoP side of one verifier. */
export interface DpopCheck {
  /** The challenge a refusal carries; `onDpop` says whether the request (or its token) was DPoP. */
  challenge(onDpop: boolean): DpopChallenge;
  /**
   * Checks a DPoP request whose Authorization carried `token`: the proof's form and claims, then
   * `verifyToken(token)` (cached or not) and that the token is bound to the proof's key, then the proof's
   * signature, then the replay claim. Resolves the token.
   */
  check(request: RequestLike, token: string, verifyToken: (token: string) => AccessToken | Promise<AccessToken>): Promise<AccessToken>;
}

/** The request URL as the adapter gave it: a string, or a function called only for DPoP requests. */
function requestUrlOf(request: RequestLike): string | undefined {
  const url = request.url;
  let value: unknown;
  try {
    value = typeof url === 'function' ? url() : url;
  } catch {
    // A framework getter that throws on a strange request: no URL, so no htu matches.
    return undefined;
  }
  return typeof value === 'string' ? value : undefined;
}

/** Creates the DPoP check of a verifier from its resolved `dpop` options. */
export function createDpopCheck(options: ResolvedDpopOptions, env: DpopEnvironment): DpopCheck {
  const { realm, now } = env;
  const nonces: Nonces | undefined = options.nonce ? createNonces(options.nonce.secrets, options.nonce.lifetime, now) : undefined;
  const algorithms: readonly string[] = options.algorithms;
  const challenge = (onDpop: boolean, nonce?: string): DpopChallenge => ({ algs: algorithms, required: options.required, onDpop, nonce });
  const refuse = (reason: TollgateErrorReason, description: string) => new InvalidDpopProofError(description, { reason, realm });
  let warnedOfUrl = false;
  const futureIat = Math.min(options.proofMaxAge, MAX_FUTURE_IAT_SECONDS);
  const proofKeys = new ProofKeyCache(1000);

  async function check(request: RequestLike, token: string, verifyToken: (token: string) => AccessToken | Promise<AccessToken>): Promise<AccessToken> {
    const proof = readProof(request, realm);
    let decoded;
    try {
      decoded = decodeJws(proof, realm);
    } catch {
      throw refuse('dpop_malformed_proof', 'malformed DPoP proof');
    }
    const { header, payload, signingInput, signature } = decoded;
    // RFC 9449 section 4.3 points 4-7, all before the signature is checked or any claim is read.
    if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== 'dpop+jwt') throw refuse('dpop_proof_type', 'DPoP proof type must be dpop+jwt');
    if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) throw refuse('dpop_algorithm', 'DPoP proof algorithm not allowed');
    if (header.crit !== undefined) throw refuse('dpop_malformed_proof', 'unsupported DPoP proof header');
    const proofKey = importProofKey(header.jwk, header.alg, proofKeys);
    if (proofKey === 'private') throw refuse('dpop_key', 'DPoP proof key must be a public key');
    if (proofKey === 'unusable') throw refuse('dpop_key', 'DPoP proof key not usable');

    // Section 4.3 points 8-11: the claims, read before the signature is checked, to refuse what is wrong
    // anyway without paying for it; nothing is accepted until the signature holds.
    const method = request.method;
    if (typeof method !== 'string' || request.url === undefined) {
      // The integration's fault, not the client's: the adapter (or a verifyToken caller) gave no method or URL.
      if (!warnedOfUrl) {
        warnedOfUrl = true;
        process.emitWarning('tollgate: a DPoP request came without its method and absolute URL (request.method, request.url), so its proof cannot be checked; pass them, or set dpop.publicUrl and pass the request path', 'TollgateWarning');
      }
      throw new TollgateConfigError('tollgate: a DPoP proof cannot be checked without the request method and URL (request.method and request.url)');
    }
    // A request whose URL cannot be read (an HTTP/1.0 request without Host, a Host that is no host name)
    // matches no htu: refused like a wrong one, never a 500.
    const expected = expectedHtu(requestUrlOf(request), options.publicUrl);
    if (payload.htm !== method) throw refuse('dpop_method', 'DPoP proof htm does not match the request method');
    if (expected === undefined || typeof payload.htu !== 'string' || payload.htu.length > MAX_HTU_LENGTH || normalizeHtu(payload.htu) !== expected) {
      throw refuse('dpop_url', 'DPoP proof htu does not match the request URL');
    }
    const nowSeconds = now() / 1000;
    const iat = payload.iat;
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw refuse('dpop_iat', 'DPoP proof iat missing or malformed');
    if (nowSeconds - iat > options.proofMaxAge || iat - nowSeconds > futureIat) throw refuse('dpop_iat', 'DPoP proof is too old or issued in the future');
    const jti = payload.jti;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw refuse('dpop_jti', 'DPoP proof jti missing or malformed');
    // Section 4.3 point 12 and section 7.1: the proof names this very token.
    if (payload.ath !== createHash('sha256').update(token, 'ascii').digest('base64url')) throw refuse('dpop_ath', 'DPoP proof ath does not match the access token');
    if (nonces && !nonces.accepts(payload.nonce)) {
      const error = new UseDpopNonceError('DPoP proof must carry a current server nonce', { reason: 'dpop_nonce', realm });
      error.dpop = challenge(true, nonces.issue());
      throw error;
    }

    // The token (cached, or refused from the rejection cache, at little cost) and its binding come before
    // the proof's signature: only the holder of a token bound to this very key makes the API verify one.
    const accessToken = await verifyToken(token);
    const binding = accessToken.binding;
    if (binding.kind !== 'dpop') throw new InvalidTokenError('token is not bound to a DPoP key', { reason: 'dpop_unbound_token', realm });
    // Section 6.1 and 7.1: the proof's key is the key the token is bound to.
    if (binding.jkt !== proofKey.jkt) throw refuse('dpop_key_mismatch', 'DPoP proof key does not match the token binding');
    // Section 4.3 point 6: checked on every request, whatever the token cache held.
    if (!(await verifySignature(header.alg, proofKey.key, signingInput, signature, env.maxRsaModulusBits))) {
      throw refuse('dpop_signature', 'invalid DPoP proof signature');
    }

    // The jti is consumed only after every other check passed: a proof refused for any other reason must
    // not use up its jti, and a replay is refused only once everything else about it held.
    if (options.replay) {
      // Held until no instance would accept the proof: its iat window, plus another instance's clock running ahead.
      const ttl = Math.max(1, Math.ceil(iat + options.proofMaxAge + env.clockTolerance - nowSeconds) + 1);
      await claimProof(options.replay, replayKey(proofKey.jkt, jti), ttl, realm);
    }
    return accessToken;
  }

  return { challenge: (onDpop) => challenge(onDpop), check };
}
