// The test issuer of a suite (a real `@tollgate/testing` issuer on 127.0.0.1) and the verifier options that trust it.
import { createTestIssuer, type SignOptions, type TestIssuer } from '@tollgate/testing';
import { afterAll, beforeAll } from 'vitest';

/** Verifier options for a `@tollgate/testing` issuer (plain http on 127.0.0.1). */
export function optionsFor(issuer: { issuer: string; audience: string }) {
  return { issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true };
}

/** The issuer of the enclosing suite; usable inside hooks and tests only. */
export interface IssuerFixture {
  readonly current: TestIssuer;
  /** Verifier options that trust it, see {@link optionsFor}. */
  options(): ReturnType<typeof optionsFor>;
  /** A signed token, see `TestIssuer.sign`. */
  sign(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;
  /** `Bearer <token>` for an `Authorization` header. */
  bearer(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;
}

/** Starts an issuer before the enclosing suite (beforeAll) and closes it after (afterAll). */
export function useIssuer(): IssuerFixture {
  let issuer: TestIssuer | undefined;
  beforeAll(async () => {
    issuer = await createTestIssuer();
  });
  afterAll(async () => {
    await issuer?.close();
    issuer = undefined;
  });
  const current = (): TestIssuer => {
    if (!issuer) throw new Error('the test issuer runs only inside the suite that asked for it');
    return issuer;
  };
  return {
    get current() {
      return current();
    },
    options: () => optionsFor(current()),
    sign: (claims, options) => current().sign(claims, options),
    bearer: async (claims, options) => `Bearer ${await current().sign(claims, options)}`,
  };
}
