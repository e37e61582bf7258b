// The refusals every adapter must answer the same way, whatever renders them: status and challenge. Shared by
// the cross-adapter error-handling suite and by each package's test of its framework's default rendering.
import type { AdapterOptions } from '@tollgate/core';
import { tamperSignature, type TestIssuer } from '@tollgate/testing';
import request from 'supertest';
import type { AppSpec } from './driver.js';

export interface Refusal {
  name: string;
  /** The token sent, if any. */
  token(issuer: TestIssuer): Promise<string | undefined>;
  /** The Authorization header for `token`; default `Bearer <token>`. */
  authorization?(token: string): string;
  status: number;
  challenge: string;
  /** The error behind it: class name, RFC 6750 code (none without credentials) and description. */
  error: { name: string; code?: string; description: string };
}

export const REFUSALS: readonly Refusal[] = [
  {
    name: 'no credentials',
    token: async () => undefined,
    status: 401,
    challenge: 'Bearer realm="api"',
    error: { name: 'MissingTokenError', description: 'bearer token required' },
  },
  {
    name: 'an expired token',
    token: (issuer) => issuer.sign({ scope: 'orders:read' }, { expiresIn: -120 }),
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="token expired"',
    error: { name: 'InvalidTokenError', code: 'invalid_token', description: 'token expired' },
  },
  {
    name: 'a token with a broken signature',
    token: async (issuer) => tamperSignature(await issuer.sign({ scope: 'orders:read' })),
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="invalid signature"',
    error: { name: 'InvalidTokenError', code: 'invalid_token', description: 'invalid signature' },
  },
  {
    name: 'a token for another audience',
    token: (issuer) => issuer.sign({ scope: 'orders:read', aud: 'https://other.example.test' }),
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="audience mismatch"',
    error: { name: 'InvalidTokenError', code: 'invalid_token', description: 'audience mismatch' },
  },
  {
    // RFC 6750 section 3.1: no bearer credentials, answered like none (a bare challenge, no error code).
    name: 'another authorization scheme',
    token: (issuer) => issuer.sign({ scope: 'orders:read' }),
    authorization: (token) => `Basic ${token}`,
    status: 401,
    challenge: 'Bearer realm="api"',
    error: { name: 'MissingTokenError', description: 'bearer token required; the Authorization header uses another scheme' },
  },
  {
    name: 'a valid token without the scope',
    token: (issuer) => issuer.sign({ scope: 'orders:write' }),
    status: 403,
    challenge: 'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    error: { name: 'InsufficientScopeError', code: 'insufficient_scope', description: 'token lacks a required scope' },
  },
];

/** The app the refusals are sent to: app-wide authentication with `options`, GET /orders requiring `orders:read`. */
export function refusalsApp(options: AdapterOptions, errors: AppSpec['errors']): AppSpec {
  return { auth: { options }, routes: [{ path: '/orders', kind: 'scopes', scopes: ['orders:read'] }], errors };
}

/** Sends `refusal` to GET /orders of the app at `url`; returns the response and the token it carried. */
export async function sendRefusal(url: string, issuer: TestIssuer, refusal: Refusal): Promise<{ res: request.Response; token: string | undefined }> {
  const token = await refusal.token(issuer);
  const call = request(url).get('/orders');
  if (token !== undefined) call.set('Authorization', refusal.authorization ? refusal.authorization(token) : `Bearer ${token}`);
  return { res: await call, token };
}
