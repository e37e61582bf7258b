// Which verifier settings checked a token, so a guard can tell a token it may trust from one checked for another API.
import type { AccessToken } from '../access-token.js';
import type { ResolvedOptions } from '../options.js';

// Keyed by the token object (shared by every request carrying that token); the value is the verifier's
// resolved options, which a wrapper around a verifier exposes unchanged.
const verifiedUnder = new WeakMap<AccessToken, ResolvedOptions>();

/** Records that `options` (a verifier's resolved options) verified `token`. */
export function recordVerification(token: AccessToken, options: ResolvedOptions): void {
  verifiedUnder.set(token, options);
}

/** Whether a verifier with exactly these resolved options verified `token`. */
export function verifiedWith(token: AccessToken, options: ResolvedOptions): boolean {
  return verifiedUnder.get(token) === options;
}
