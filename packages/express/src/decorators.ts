// Scope decorators for Express controller methods `(req, res, next)` (TypeScript 5 standard decorators).
import { createGuard, createMethodDecorator, type HandlerMethod, type ScopeMode } from '@tollgate/core';
import type { NextFunction, Request, Response } from 'express';
import { defaults } from './require-auth.js';
import { attach, stateOf, toRequestLike } from './request.js';

type ExpressHandlerArgs = [req: Request, res: Response, next: NextFunction];

function scopeDecorator(scopes: string[], mode: ScopeMode, name: string) {
  const guard = createGuard(defaults, { scopes, mode, name });
  return createMethodDecorator<ExpressHandlerArgs>(<This>(method: HandlerMethod<This, ExpressHandlerArgs>) =>
    function (this: This, req, res, next) {
      // Errors of the guard and of the handler both reach next(), on Express 4 as on 5.
      return guard(toRequestLike(req), stateOf(req))
        .then((token) => {
          attach(req, token);
          return method.call(this, req, res, next);
        })
        .catch(next);
    },
  );
}

/**
 * Requires every listed scope before the decorated handler runs; same responses as `requireScope`.
 * @example
 * class Orders {
 *   @RequireScope('orders:read')
 *   list(req: Request, res: Response) { res.json([]); }
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
