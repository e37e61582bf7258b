// The soak's test issuer: one per run, shared by token minting, chaos and the JWKS observer.
import { createTestIssuer } from '@tollgate/testing';

/** The running issuer (a live binding: undefined until startIssuer() resolves). */
export let issuer;

export async function startIssuer() {
  issuer = await createTestIssuer({ algorithms: ['RS256', 'ES256'] });
  return issuer;
}
