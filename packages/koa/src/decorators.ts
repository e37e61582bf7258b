// Scope decorators for Koa controller methods `(ctx, next)` (TypeScript 5 standard decorators).
import { createGuard, createMethodDecorator, type ScopeMode } from '@tollgate/core';
import type { Context, Next } from 'koa';
import { attach, stateOf, toRequestLike } from './context.js';
import { defaults } from './require-auth.js';

function scopeDecorator<This>(scopes: string[], mode: ScopeMode, name: string) {
  const guard = createGuard(defaults, { scopes, mode, name });
  return createMethodDecorator<This, [ctx: Context, next: Next], unknown>((method) =>
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
export function RequireScope<This>(...scopes: string[]) {
  return scopeDecorator<This>(scopes, 'all', '@RequireScope');
}

/** Requires at least one of the listed scopes before the decorated handler runs. */
export function RequireAnyScope<This>(...scopes: string[]) {
  return scopeDecorator<This>(scopes, 'any', '@RequireAnyScope');
}
