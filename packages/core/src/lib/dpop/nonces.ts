// Stateless DPoP nonces (RFC 9449 section 9): the issue time, AES-256-GCM encrypted under keys derived from the secrets.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const TIME_BYTES = 8;
// version (1) + iv (12) + encrypted issue time (8) + tag (16), base64url: 50 characters.
const NONCE_BYTES = 1 + IV_BYTES + TIME_BYTES + TAG_BYTES;
const NONCE_LENGTH = Math.ceil((NONCE_BYTES * 4) / 3);
const AAD = Buffer.from('tollgate dpop nonce v1');
// A nonce issued by an instance whose clock runs a little ahead is still accepted.
const FUTURE_SKEW_MS = 5_000;

/** Issues and checks the nonces of one verifier. */
export interface Nonces {
  /** A fresh nonce, made with the first secret. */
  issue(): string;
  /** Whether `nonce` was issued (with any of the secrets) no longer than the lifetime ago. */
  accepts(nonce: unknown): boolean;
}

/** The AES-256 key of one secret: HKDF-SHA256, so the secret itself is never the cipher key. */
function deriveKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from('tollgate'), Buffer.from('dpop-nonce-key-v1'), 32));
}

/**
 * Nonces under `secrets` (the first issues, all accept), valid for `lifetimeSeconds` after issue.
 * Any instance configured with the same secrets accepts the nonces of any other: nothing is stored.
 * @see RFC 9449 section 9
 */
export function createNonces(secrets: readonly string[], lifetimeSeconds: number, now: () => number): Nonces {
  const keys = secrets.map(deriveKey);
  const lifetimeMs = lifetimeSeconds * 1000;
  return {
    issue() {
      const iv = randomBytes(IV_BYTES);
      const time = Buffer.alloc(TIME_BYTES);
      time.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(now()))));
      const cipher = createCipheriv('aes-256-gcm', keys[0]!, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(AAD);
      const encrypted = Buffer.concat([cipher.update(time), cipher.final()]);
      return Buffer.concat([Buffer.of(VERSION), iv, encrypted, cipher.getAuthTag()]).toString('base64url');
    },
    accepts(nonce) {
      // Length first: nothing longer is decoded.
      if (typeof nonce !== 'string' || nonce.length !== NONCE_LENGTH) return false;
      const bytes = Buffer.from(nonce, 'base64url');
      if (bytes.length !== NONCE_BYTES || bytes.toString('base64url') !== nonce || bytes[0] !== VERSION) return false;
      const iv = bytes.subarray(1, 1 + IV_BYTES);
      const encrypted = bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TIME_BYTES);
      const tag = bytes.subarray(1 + IV_BYTES + TIME_BYTES);
      for (const key of keys) {
        let issuedAt: number;
        try {
          const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
          decipher.setAAD(AAD);
          decipher.setAuthTag(tag);
          issuedAt = Number(Buffer.concat([decipher.update(encrypted), decipher.final()]).readBigUInt64BE());
        } catch {
          continue;
        }
        const at = now();
        return issuedAt <= at + FUTURE_SKEW_MS && at - issuedAt <= lifetimeMs;
      }
      return false;
    },
  };
}
