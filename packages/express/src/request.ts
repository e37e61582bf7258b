// Reads an Express request as tollgate's framework-neutral RequestLike.
import type { AccessToken, GuardState, RequestLike } from '@tollgate/core';
import type { Request } from 'express';

// Requests on which tollgate already ran (optional auth that found no token must not retry).
const attempted = new WeakSet<object>();

export function toRequestLike(req: Request): RequestLike {
  return { headers: req.headers, rawHeaders: req.rawHeaders, method: req.method, query: req.query, body: req.body as unknown };
}

export function stateOf(req: Request): GuardState {
  return { auth: req.auth, attempted: attempted.has(req) };
}

export function attach(req: Request, token: AccessToken | undefined): void {
  if (token) req.auth = token;
  attempted.add(req);
}
