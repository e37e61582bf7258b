// Reads a Koa context as tollgate's framework-neutral RequestLike, and records what tollgate attached.
import type { AccessToken, GuardState, RequestLike } from '@tollgate/core';
import type { Context } from 'koa';

// Contexts on which tollgate already ran (optional auth that found no token must not retry).
const attempted = new WeakSet<object>();

export function toRequestLike(ctx: Context): RequestLike {
  return {
    headers: ctx.headers,
    rawHeaders: ctx.req.rawHeaders,
    method: ctx.method,
    query: ctx.query,
    // Set by a body parser (koa-bodyparser, @koa/bodyparser), when one is installed.
    body: (ctx.request as { body?: unknown }).body,
  };
}

export function stateOf(ctx: Context): GuardState {
  return { auth: ctx.state.auth, attempted: attempted.has(ctx) };
}

export function attach(ctx: Context, token: AccessToken | undefined): void {
  if (token) ctx.state.auth = token;
  attempted.add(ctx);
}
