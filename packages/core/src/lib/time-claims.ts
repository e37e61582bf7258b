// Re-checks exp, nbf and iat of an already verified token against the current time (for cache hits).
import { InvalidTokenError } from '../errors.js';
import type { JwtAccessTokenClaims } from '../access-token.js';

export interface TimeRules {
  clockTolerance: number;
  maxTokenAge: number | undefined;
  realm: string;
}

/** Throws when the token is no longer (or not yet) valid at `nowMs`; the same boundaries as checkClaims. */
export function checkTimeClaims(claims: JwtAccessTokenClaims, nowMs: number, rules: TimeRules): void {
  const now = Math.floor(nowMs / 1000);
  const { clockTolerance, maxTokenAge, realm } = rules;
  if (typeof claims.exp === 'number' && claims.exp <= now - clockTolerance) {
    throw new InvalidTokenError('token expired', { reason: 'expired', realm });
  }
  if (typeof claims.nbf === 'number' && claims.nbf > now + clockTolerance) {
    throw new InvalidTokenError('token not yet valid', { reason: 'not_yet_valid', realm });
  }
  if (maxTokenAge !== undefined && typeof claims.iat === 'number' && now - claims.iat - clockTolerance > maxTokenAge) {
    throw new InvalidTokenError('token too old', { reason: 'too_old', realm });
  }
}
