// Checks the clients given to createTestIssuer once and keeps them in the form the token endpoint needs.
import { createHash, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, type CryptoKey, type JWTVerifyGetKey } from 'jose';
import type { ClientAuthMethod, TestClient } from '../token-endpoint.js';
import { isScopeToken } from './scope.js';

/** A client as the token endpoint uses it. */
export interface RegisteredClient {
  readonly clientId: string;
  readonly authMethod: ClientAuthMethod;
  /** SHA-256 of the secret: compared in constant time whatever the length of the guess. */
  readonly secretDigest: Buffer | undefined;
  /** What verifies the client's assertions (private_key_jwt). */
  readonly key: CryptoKey | KeyObject | JWTVerifyGetKey | undefined;
  readonly scopes: readonly string[];
  readonly grantTypes: readonly string[];
  /** Seconds. */
  readonly tokenLifetime: number;
  readonly audience: string | undefined;
  /** Whether every token request must carry a DPoP proof (RFC 9449 section 5.2). */
  readonly dpopBoundAccessTokens: boolean;
  /** Resource indicators (RFC 8707) the client may ask a token for; empty: none. */
  readonly resources: readonly string[];
}

/** SHA-256 of a UTF-8 string. */
export const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Validates the clients (throwing a TypeError that names the problem) and indexes them by id. */
export function registerClients(clients: readonly TestClient[]): ReadonlyMap<string, RegisteredClient> {
  const registry = new Map<string, RegisteredClient>();
  for (const client of clients) {
    const fail = (problem: string): never => {
      throw new TypeError(`createTestIssuer: client ${JSON.stringify(client.clientId)} ${problem}`);
    };
    if (typeof client.clientId !== 'string' || client.clientId === '') fail('needs a non-empty clientId');
    if (registry.has(client.clientId)) fail('is registered twice');
    const hasKey = client.jwks !== undefined || client.publicKey !== undefined;
    const authMethod = client.authMethod ?? (hasKey ? 'private_key_jwt' : 'client_secret_basic');
    if (authMethod === 'private_key_jwt') {
      if (client.jwks !== undefined && client.publicKey !== undefined) fail('needs jwks or publicKey, not both');
      if (!hasKey) fail('uses private_key_jwt and needs jwks or publicKey');
      if (client.clientSecret !== undefined) fail('uses private_key_jwt and must not have a clientSecret');
    } else {
      if (!client.clientSecret) fail(`uses ${authMethod} and needs a clientSecret`);
      if (hasKey) fail(`uses ${authMethod}; jwks and publicKey are for private_key_jwt`);
    }
    const bad = client.scopes.find((scope) => !isScopeToken(scope));
    if (bad !== undefined) fail(`has a malformed scope ${JSON.stringify(bad)} (RFC 6749 section 3.3)`);
    const resources = client.resources ?? [];
    if (!Array.isArray(resources)) fail('needs resources as a list of absolute URIs');
    const badResource = resources.find((resource) => typeof resource !== 'string' || !URL.canParse(resource) || resource.includes('#'));
    if (badResource !== undefined) fail(`has a resource ${JSON.stringify(badResource)} that is not an absolute URI without a fragment (RFC 8707 section 2)`);
    const tokenLifetime = client.tokenLifetime ?? 300;
    if (!Number.isInteger(tokenLifetime) || tokenLifetime <= 0) fail('needs a tokenLifetime of whole seconds above 0');
    registry.set(client.clientId, {
      clientId: client.clientId,
      authMethod,
      secretDigest: client.clientSecret === undefined ? undefined : digest(client.clientSecret),
      key: client.jwks ? createLocalJWKSet(client.jwks) : client.publicKey,
      scopes: Object.freeze([...new Set(client.scopes)]),
      grantTypes: Object.freeze([...(client.grantTypes ?? ['client_credentials'])]),
      tokenLifetime,
      audience: client.audience,
      dpopBoundAccessTokens: client.dpopBoundAccessTokens === true,
      resources: Object.freeze([...resources]),
    });
  }
  return registry;
}
