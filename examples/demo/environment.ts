// The demo's world on 127.0.0.1: a test issuer with three clients and the orders API on each framework.
import { randomBytes } from 'node:crypto';
import type { VerifierOptions } from '@tollgate/core';
import {
  createClientCredentialsClient,
  createSigningKey,
  createTestIssuer,
  type ClientAuthMethod,
  type ClientCredentialsClient,
  type TestIssuer,
} from '@tollgate/testing';
import { startApi, type RunningApi } from '../lib/start-api.js';

/** One registered client and the caching client-credentials client that acts for it. */
export interface DemoClient {
  readonly clientId: string;
  readonly authMethod: ClientAuthMethod;
  readonly scopes: readonly string[];
  /** For the secret methods (printed in serve mode's curl commands). */
  readonly secret: string | undefined;
  readonly client: ClientCredentialsClient;
}

/** Everything the demo runs. */
export interface DemoEnvironment {
  readonly issuer: TestIssuer;
  /** Verifier options that trust the issuer (plain http on 127.0.0.1, hence allowInsecureRequests). */
  readonly options: VerifierOptions;
  readonly clients: { readonly admin: DemoClient; readonly reader: DemoClient; readonly service: DemoClient };
  readonly apis: readonly RunningApi[];
  close(): Promise<void>;
}

/** The frameworks of the demo, in the order they are shown (Nest on both of its platforms). */
export const FRAMEWORKS = ['express', 'koa', 'fastify', 'hono', 'nest', 'nest-fastify'] as const;

/** Starts the issuer, the APIs and the clients. */
export async function startEnvironment(): Promise<DemoEnvironment> {
  // Fresh secrets and keys per run: nothing secret is written in the repository.
  const adminSecret = randomBytes(18).toString('base64url');
  const readerSecret = randomBytes(18).toString('base64url');
  const serviceKey = await createSigningKey('ES256');
  const read = ['orders:read'];
  const readWrite = ['orders:read', 'orders:write'];
  const issuer = await createTestIssuer({
    algorithms: ['RS256', 'ES256'], // tokens are RS256, the most common choice; fewer keys start faster
    clients: [
      { clientId: 'orders-admin', clientSecret: adminSecret, authMethod: 'client_secret_basic', scopes: readWrite },
      { clientId: 'orders-reader', clientSecret: readerSecret, authMethod: 'client_secret_post', scopes: read },
      { clientId: 'orders-service', jwks: { keys: [serviceKey.publicJwk] }, authMethod: 'private_key_jwt', scopes: read },
    ],
  });
  const apis: RunningApi[] = [];
  const close = async () => {
    await Promise.all(apis.map((api) => api.close()));
    await issuer.close();
  };
  try {
    const options: VerifierOptions = { issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true };
    for (const name of FRAMEWORKS) apis.push(await startApi(name, options));
    const tokenEndpoint = issuer.tokenEndpoint;
    const demoClient = (clientId: string, authMethod: ClientAuthMethod, scopes: readonly string[], secret?: string): DemoClient => ({
      clientId,
      authMethod,
      scopes,
      secret,
      client: createClientCredentialsClient(
        secret === undefined
          ? { tokenEndpoint, clientId, authMethod, signingKey: { key: serviceKey.privateKey, alg: serviceKey.alg, kid: serviceKey.kid } }
          : { tokenEndpoint, clientId, authMethod, clientSecret: secret },
      ),
    });
    return {
      issuer,
      options,
      apis,
      clients: {
        admin: demoClient('orders-admin', 'client_secret_basic', readWrite, adminSecret),
        reader: demoClient('orders-reader', 'client_secret_post', read, readerSecret),
        service: demoClient('orders-service', 'private_key_jwt', read),
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
