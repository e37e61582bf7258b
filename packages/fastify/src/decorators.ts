// Scope decorators for Fastify controller methods `(request, reply)` (TypeScript 5 standard decorators).
import { createGuard, createMethodDecorator, type HandlerMethod, type ScopeMode } from '@tollgate/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { defaults } from './plugin.js';
import { attach, stateOf, toRequestLike } from './request.js';

function scopeDecorator(scopes: string[], mode: ScopeMode, name: string) {
  const guard = createGuard(defaults, { scopes, mode, name });
  return createMethodDecorator<[request: FastifyRequest, reply: FastifyReply]>(<This>(method: HandlerMethod<This, [request: FastifyRequest, reply: FastifyReply]>) =>
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
export function RequireScope(...scopes: string[]) {
  return scopeDecorator(scopes, 'all', '@RequireScope');
}

/** Requires at least one of the listed scopes before the decorated handler runs. */
export function RequireAnyScope(...scopes: string[]) {
  return scopeDecorator(scopes, 'any', '@RequireAnyScope');
}
