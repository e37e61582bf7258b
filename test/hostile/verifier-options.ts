// The verifier configurations the hostile suites attack, on a frozen clock.
import type { VerifierOptions } from '@tollgate/core';
import { REALM } from './hostile-apps.js';

/** The frozen instant every hostile token is minted and verified at, in epoch seconds (October 2025). */
export const NOW_SECONDS = 1_760_000_000;

/**
 * `default`: the defaults as shipped. `wide`: maxTokenLength raised to its 1 MiB maximum, so big tokens get
 * parsed. `strict`: `strict: true` (RFC 9068 only: `typ` at+jwt, its claims present and of their types).
 */
export type VerifierKind = 'default' | 'wide' | 'strict';

/** Every kind, in the order the suites run them. */
export const VERIFIER_KINDS: readonly VerifierKind[] = ['default', 'wide', 'strict'];

/** The unknown-kid cooldown of every hostile verifier, in seconds; the clock never moves past it. */
export const COOLDOWN_SECONDS = 30;

/**
 * Options of a hostile verifier trusting `issuer` (keys found by discovery, as in production).
 * @example createVerifier(hostileVerifierOptions(issuer, 'wide'))
 */
export function hostileVerifierOptions(issuer: { issuer: string; audience: string }, kind: VerifierKind): VerifierOptions {
  return {
    issuer: issuer.issuer,
    audience: issuer.audience,
    realm: REALM,
    allowInsecureRequests: true,
    now: () => NOW_SECONDS * 1000,
    jwks: { cooldown: COOLDOWN_SECONDS },
    ...(kind === 'wide' ? { maxTokenLength: 1024 * 1024 } : {}),
    ...(kind === 'strict' ? { strict: true } : {}),
  };
}
