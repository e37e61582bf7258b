// @tollgate/testing: a local OAuth 2.0 issuer for tests of resource servers.
export { createTestIssuer } from './create-test-issuer.js';
export type { SignOptions, TestIssuer, TestIssuerOptions } from './create-test-issuer.js';
export type { FaultTarget, IssuerFault, IssuerRequestCounts } from './issuer-server.js';
export { createSigningKey } from './signing-keys.js';
export type { TestAlgorithm, TestSigningKey } from './signing-keys.js';
export { algNoneToken, encodeJwt, hmacWithPublicKeyToken, tamperPayload, tamperSignature } from './unsafe-tokens.js';
export type { ClientAuthMethod, TestClient, TokenErrorCode } from './token-endpoint.js';
export { createClientCredentialsClient } from './create-client-credentials-client.js';
export type { ClientCredentialsClient, ClientCredentialsClientOptions, ClientCredentialsToken } from './create-client-credentials-client.js';
export { TokenEndpointError } from './token-endpoint-error.js';
export { accessTokenHash, createDpopKey, createDpopProof } from './dpop-proofs.js';
export type { DpopKey, DpopProofOptions } from './dpop-proofs.js';
export { certificateThumbprint, createTestCertificates } from './test-certificates.js';
export type { TestCertificate, TestCertificates, TestClientCertificateOptions, TestClientTlsOptions, TestServerTlsOptions } from './test-certificates.js';
