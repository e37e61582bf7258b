// Decodes a JWT's header and claims without verifying anything, with a precise reason when it cannot.

/** A decoded, unverified JWT. The signature itself is never kept. */
export interface DecodedToken {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
  /** Whether the signature segment is non-empty (an unsecured JWT has an empty one). */
  readonly signed: boolean;
}

/**
 * The token is not a readable JWT. The message says why and never contains the token.
 * @example new MalformedTokenError('the claims segment is not JSON')
 */
export class MalformedTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedTokenError';
  }
}

// RFC 7515 section 2: base64url without padding. Length 1 mod 4 can never be valid base64.
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes the header and claims of a JWS compact JWT. Nothing is verified: use this to look at a
 * token, never to trust one. Throws {@link MalformedTokenError} saying what is wrong.
 * @param token the compact JWT
 * @example decodeToken(jwt).claims.exp // 1795459200
 * @see RFC 7519 section 7.2, RFC 7515 section 7.1
 */
export function decodeToken(token: string): DecodedToken {
  const segments = token.split('.');
  if (segments.length === 5) throw new MalformedTokenError('an encrypted JWT (JWE, 5 segments): its claims cannot be read without the decryption key');
  if (segments.length !== 3) throw new MalformedTokenError(`not a JWT: expected 3 segments separated by '.', found ${segments.length}`);
  const [header, payload, signature] = segments as [string, string, string];
  if (!BASE64URL.test(signature)) throw new MalformedTokenError('the signature segment is not base64url');
  return {
    header: decodeSegment(header, 'header'),
    claims: decodeSegment(payload, 'claims'),
    signed: signature.length > 0,
  };
}

function decodeSegment(segment: string, name: 'header' | 'claims'): Record<string, unknown> {
  if (segment === '') throw new MalformedTokenError(`the ${name} segment is empty`);
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) throw new MalformedTokenError(`the ${name} segment is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new MalformedTokenError(`the ${name} segment is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedTokenError(`the ${name} segment is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
