// Reads a Fastify request as tollgate's framework-neutral RequestLike, and records what tollgate attached.
import type { AccessToken, GuardState, RequestLike } from '@tollgate/core';
import type { FastifyRequest } from 'fastify';

// Requests on which tollgate already ran (optional auth that found no token must not retry).
const attempted = new WeakSet<object>();

export function toRequestLike(request: FastifyRequest): RequestLike {
  return { headers: request.headers, rawHeaders: request.raw.rawHeaders, method: request.method, query: request.query, body: request.body };
}

export function stateOf(request: FastifyRequest): GuardState {
  return { auth: request.auth, attempted: attempted.has(request) };
}

export function attach(request: FastifyRequest, token: AccessToken | undefined): void {
  if (token) request.auth = token;
  attempted.add(request);
}
