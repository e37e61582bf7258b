// @tollgate/client: the calling side of the OAuth 2.0 client credentials flow.
export { createTokenClient } from './create-token-client.js';
export type { DpopPublicKey, TokenClient, TokenDetails, TokenRequestOptions } from './create-token-client.js';
export type { ClientAuth, ClientPrivateKey, ClientSecretAuth, DpopAlgorithm, MutualTlsAuth, PrivateKeyJwtAuth, TokenClientDpopOptions, TokenClientOptions } from './client-options.js';
export { TokenRequestError } from './token-request-error.js';
export type { TokenRequestErrorOptions, TokenRequestFailure } from './token-request-error.js';
export { CLIENT_CHANNEL } from './client-events.js';
export type { TokenClientEvent } from './client-events.js';
