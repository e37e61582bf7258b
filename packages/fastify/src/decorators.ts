// Scope decorators for Fastify controller methods `(request, reply)` (TypeScript 5 standard decorators).
import { createGuard, createMethodDecorator, type ScopeMode } from '@tollgate/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { defaults } from './plugin.js';
import { attach, stateOf, toRequestLike } from './request.js';

function scopeDecorator<This>(scopes: string[], mode: ScopeMode, name: string) {
  const guard = createGuard(defaults, { scopes, mode, name });
  return createMethodDecorator<This, [request: FastifyRequest, reply: FastifyReply], unknown>((method) =>
    async function (this: This, request, reply) {
      attach(request, await guard(toRequestLike(request), stateOf(request)));
      return method.call(this, request, reply);
    },
  );
}

/**
 * Requires every listed scope before the decorated handler runs; same responses as route `config.scopes`.
 * @example
 * class Orders {
 *   @RequireScope('orders:read')
 *   async list(request: FastifyRequest) { return []; }
 * }
 * app.get('/orders', new Orders().list);
 */
export function RequireScope<This>(...scopes: string[]) {
  return scopeDecorator<This>(scopes, 'all', '@RequireScope');
}

/** Requires at least one of the listed scopes before the decorated handler runs. */
export function RequireAnyScope<This>(...scopes: string[]) {
  return scopeDecorator<This>(scopes, 'any', '@RequireAnyScope');
}
