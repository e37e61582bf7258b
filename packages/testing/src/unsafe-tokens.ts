// Hand-built hostile tokens that no honest signer would produce, for negative tests.
import { createHmac, KeyObject } from 'node:crypto';
import type { CryptoKey } from 'jose';

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Joins a header, a payload and a signature into a compact JWS without signing anything.
 * @example encodeJwt({ alg: 'none' }, { sub: 'x' }) // 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'
 */
export function encodeJwt(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  return `${encode(header)}.${encode(payload)}.${signature}`;
}

/**
 * An unsecured JWT (`alg: none`, empty signature): RFC 7519 section 6.
 * @example const token = algNoneToken(issuer.defaultClaims()); // header { typ: 'at+jwt', alg: 'none' }
 */
export function algNoneToken(payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  return encodeJwt({ typ: 'at+jwt', ...header, alg: 'none' }, payload);
}

/**
 * The classic key-confusion forgery: HS256 keyed with the issuer's *public* key (PEM text),
 * which a verifier that trusts the token's `alg` would accept.
 * @example const forged = hmacWithPublicKeyToken(issuer.keys[0].publicKey, issuer.defaultClaims());
 */
export function hmacWithPublicKeyToken(
  publicKey: CryptoKey,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  const pem = KeyObject.from(publicKey as unknown as Parameters<typeof KeyObject.from>[0]).export({ type: 'spki', format: 'pem' });
  const signingInput = `${encode({ typ: 'at+jwt', ...header, alg: 'HS256' })}.${encode(payload)}`;
  const signature = createHmac('sha256', pem).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

/**
 * Flips one character of the signature so that it no longer verifies.
 * @example await expect(verifyToken(tamperSignature(await issuer.sign()), options)).rejects.toThrow(InvalidTokenError);
 */
export function tamperSignature(token: string): string {
  const [header, payload, signature = ''] = token.split('.');
  const first = signature[0] === 'A' ? 'B' : 'A';
  return `${header}.${payload}.${first}${signature.slice(1)}`;
}

/**
 * Replaces the payload of a signed token, keeping the old signature.
 * @example const forged = tamperPayload(await issuer.sign(), { ...issuer.defaultClaims(), scope: 'admin' });
 */
export function tamperPayload(token: string, payload: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${encode(payload)}.${signature}`;
}
