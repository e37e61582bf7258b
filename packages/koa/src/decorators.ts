// Scope decorators for Koa controller methods `(ctx, next)` (TypeScript 5 standard decorators).
import { createGuard, createMethodDecorator, type HandlerMethod, type ScopeMode } from '@tollgate/core';
import type { Context, Next } from 'koa';
import { attach, stateOf, toRequestLike } from './context.js';
import { defaults } from './require-auth.js';

function scopeDecorator(scopes: string[], mode: ScopeMode, name: string) {
  const guard = createGuard(defaults, { scopes, mode, name });
  return createMethodDecorator<[ctx: Context, next: Next]>(<This>(method: HandlerMethod<This, [ctx: Context, next: Next]>) =>
    async function (this: This, ctx, next) {
      attach(ctx, await guard(toRequestLike(ctx), stateOf(ctx)));
      return method.call(this, ctx, next);
    },
  );
}

/**
 * Requires every listed scope before the decorated handler runs; same responses as `requireScope`.
 * @example
 * class Orders {
 *   @RequireScope('orders:read')
 *   async list(ctx: Context) { ctx.body = []; }
 * }
 * router.get('/orders', new Orders().list);
 */
export function RequireScope(...scopes: string[]) {
  return scopeDecorator(scopes, 'all', '@RequireScope');
}

/** Requires at least one of the listed scopes before the decorated handler runs. */
export function RequireAnyScope(...scopes: string[]) {
  return scopeDecorator(scopes, 'any', '@RequireAnyScope');
}
