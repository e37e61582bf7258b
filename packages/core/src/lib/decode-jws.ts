// Decodes a compact JWS once: header, claims, and the bytes the signature covers (RFC 7515 section 7.1).
import { InvalidTokenError } from '../errors.js';

/** A compact JWS taken apart; nothing in it is verified yet. */
export interface DecodedJws {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  /** `BASE64URL(header) "." BASE64URL(payload)`, the JWS signing input. */
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

// Fatal: a token whose JSON is not valid UTF-8 is malformed, not silently repaired.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
    // RFC 7515 section 4 / RFC 7519 section 7.2: the header and the claims set are JSON objects.
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Splits and decodes a token already known to be three base64url segments. Throws `InvalidTokenError`
 * (`malformed_token`) for anything that is not a JWS with JSON-object header and claims.
 */
export function decodeJws(token: string, realm: string): DecodedJws {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  const parts = [token.slice(0, first), token.slice(first + 1, second), token.slice(second + 1)];
  // A segment of 4n+1 characters cannot be base64url; Buffer would drop the extra character silently.
  const header = parts.every((part) => part.length % 4 !== 1) ? jsonObject(parts[0]!) : undefined;
  const payload = header && jsonObject(parts[1]!);
  const signature = Buffer.from(parts[2]!, 'base64url');
  // One token, one spelling: unused trailing bits in the last character would let the same signature be
  // written several ways, and anything keyed by the token string (caches, deny-lists) tell them apart.
  if (!header || !payload || signature.toString('base64url') !== parts[2]) {
    throw new InvalidTokenError('malformed token', { reason: 'malformed_token', realm });
  }
  return { header, payload, signingInput: Buffer.from(token.slice(0, second), 'ascii'), signature };
}
