// The route decorators: @Scopes, @AnyScope, @Claims, @Public, @OptionalAuth (metadata read by TollgateGuard) and @Auth().
import { createParamDecorator, UseGuards, type ExecutionContext } from '@nestjs/common';
import { decidedToken, TollgateConfigError, validateClaimRules, validateStepUp, type AccessToken, type ClaimRuleSet, type StepUpRequirement } from '@tollgate/core';
import { record, scopeList, type Declaration } from './lib/declarations.js';
import { enforcedPlan, TollgateGuard } from './tollgate-guard.js';

/** A decorator for a controller class or a route handler, as Nest's own `SetMetadata` returns. */
export type TollgateDecorator = ClassDecorator & MethodDecorator;

type Target = object | ((...args: never[]) => unknown);

/** Where a decorator was applied, for its error messages. */
function describe(target: Target, key: string | symbol | undefined): string {
  const owner = typeof target === 'function' ? target : target.constructor;
  return key === undefined ? `class ${owner.name}` : `${owner.name}.${String(key)}`;
}

/**
 * Records `declaration` on the class (class decorator) or on the handler (method decorator). A
 * declaration that asks for a token also binds TollgateGuard where it stands, so the requirement holds
 * even where no global guard or `@UseGuards(TollgateGuard)` was registered.
 */
function declare(declaration: Declaration, bindGuard: boolean): TollgateDecorator {
  return ((target: Target, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const where = descriptor ? (descriptor.value as object) : target;
    record(where, declaration, describe(target, key));
    if (bindGuard) {
      if (descriptor) UseGuards(TollgateGuard)(target, key!, descriptor);
      else UseGuards(TollgateGuard)(target as () => unknown);
    }
    return descriptor;
  }) as TollgateDecorator;
}

/**
 * Requires every listed scope (403 `insufficient_scope` otherwise). On a class, it applies to every
 * route of the controller; on a handler, it adds to the class's `@Scopes` (all of both are required).
 * An empty list throws where the class is defined.
 * @example
 * \@Scopes('orders:read')
 * \@Get() list(@Auth() token: AccessToken) { ... }
 * @see RFC 6750 section 3.1
 */
export function Scopes(...scopes: string[]): TollgateDecorator {
  return declare({ kind: 'scopes', scopes: scopeList(scopes, '@Scopes') }, true);
}

/**
 * Requires at least one of the listed scopes. Each `@AnyScope` is its own requirement: one on the
 * class and one on the handler must both be met.
 * @example \@AnyScope('orders:read', 'orders:admin')
 * @see RFC 6750 section 3.1
 */
export function AnyScope(...scopes: string[]): TollgateDecorator {
  return declare({ kind: 'anyScope', scopes: scopeList(scopes, '@AnyScope') }, true);
}

/**
 * Requires the token's claims to satisfy `rules`: rules by claim name, a validator, or a list of both
 * (see {@link ClaimRuleSet}). A failed rule is a 403 `insufficient_scope` without a `scope` attribute; a
 * validator that throws, returns no boolean or times out, a 503. On a class it applies to every route of
 * the controller; each `@Claims` (class and handler) is its own requirement. An empty or invalid rule
 * set throws where the class is defined.
 * @example \@Claims({ tenant: 'acme', groups: { includes: 'admin' } }) \@Get('admin') admin() { ... }
 * @see RFC 6750 section 3.1
 */
export function Claims(rules: ClaimRuleSet): TollgateDecorator {
  validateClaimRules(rules, '@tollgate/nestjs: @Claims');
  return declare({ kind: 'claims', rules }, true);
}

/**
 * Requires a strong or recent enough user authentication behind the token (RFC 9470), checked after the
 * scopes: its `acr` among `acrValues` and/or its `auth_time` within `maxAge`. Otherwise 401
 * `insufficient_user_authentication` with `acr_values` / `max_age`; a token without `acr` or `auth_time`
 * never satisfies it. Validated where the class is defined. Binds `TollgateGuard`, like `@Scopes`.
 * @example
 * \@StepUp({ acrValues: ['urn:example:mfa'], maxAge: '5m' })
 * \@Post('payments') pay() {}
 * @see RFC 9470 section 3
 */
export function StepUp(requirement: StepUpRequirement): TollgateDecorator {
  validateStepUp(requirement, '@tollgate/nestjs: @StepUp');
  return declare({ kind: 'stepUp', requirement }, true);
}

/**
 * No token needed: TollgateGuard lets the request through unchecked. On a handler it overrides its
 * class's requirements (a health check in a protected controller); `@Auth()` has no token to give there.
 * @example \@Public() \@Get('health') health() { return 'ok'; }
 */
export function Public(): TollgateDecorator {
  return declare({ kind: 'public' }, false);
}

/**
 * A token is checked when one is sent (a bad one is still refused); a request without one, or with
 * credentials of another scheme, goes through and `@Auth()` gives `undefined`. On a handler it overrides
 * its class's requirements. It cannot be combined with scopes at the same level.
 * @example \@OptionalAuth() \@Get() list(@Auth() token: AccessToken | undefined) { ... }
 * @see RFC 6750 section 3.1
 */
export function OptionalAuth(): TollgateDecorator {
  return declare({ kind: 'optional' }, true);
}

const authParameter = createParamDecorator((_data: unknown, context: ExecutionContext): AccessToken | undefined => {
  const request = context.switchToHttp().getRequest<object>();
  const plan = enforcedPlan(request);
  // Fail closed: a handler that reads the token where no TollgateGuard enforced the route (no guard,
  // a @Public() route, another guard) must not run with `undefined` taken for a checked caller.
  if (!plan) {
    throw new TollgateConfigError(
      '@tollgate/nestjs: @Auth() on a route that no TollgateGuard authenticated; protect it (APP_GUARD, @UseGuards(TollgateGuard), @Scopes, @OptionalAuth) or drop @Auth() from a @Public() route',
    );
  }
  return decidedToken(request);
});

/**
 * Injects the verified `AccessToken` into a handler parameter. On an `@OptionalAuth()` route it is
 * `undefined` when no token was sent. On a route that no TollgateGuard authenticated, the request
 * fails with a 500 (a TollgateConfigError, logged by Nest) instead of running the handler.
 * @example \@Get('me') me(@Auth() token: AccessToken) { return { client: token.clientId }; }
 */
export function Auth(): ParameterDecorator {
  return authParameter();
}
