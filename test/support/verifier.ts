// A real verifier that counts its authentications, to prove a request is verified once.
import type { Verifier } from '@tollgate/core';

/**
 * Wraps `real` (create it with the adapter module under test, so its errors are that module's classes)
 * and counts how often a request is authenticated.
 */
export function countingVerifier(real: Verifier): { verifier: Verifier; counter: { authentications: number } } {
  const counter = { authentications: 0 };
  const verifier: Verifier = {
    options: real.options,
    verify: (token) => real.verify(token),
    authenticate: (request, options) => {
      counter.authentications += 1;
      return real.authenticate(request, options);
    },
  };
  return { verifier, counter };
}
