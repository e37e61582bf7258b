// @tollgate/testing: a local OAuth 2.0 issuer for tests of resource servers.
export { createTestIssuer } from './create-test-issuer.js';
export type { SignOptions, TestIssuer, TestIssuerOptions } from './create-test-issuer.js';
export type { FaultTarget, IssuerFault, IssuerRequestCounts } from './issuer-server.js';
export { createSigningKey } from './signing-keys.js';
export type { TestAlgorithm, TestSigningKey } from './signing-keys.js';
export { algNoneToken, encodeJwt, hmacWithPublicKeyToken, tamperPayload, tamperSignature } from './unsafe-tokens.js';
