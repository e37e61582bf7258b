// TollgateGuard: Nest's CanActivate over core's guard, reading the route's declarations from its handler and classes.
import { Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { decidedToken, TollgateConfigError, TollgateError } from '@tollgate/core';
import { TOLLGATE_CONFIG, type TollgateConfig } from './lib/config.js';
import { ownDeclarations } from './lib/declarations.js';
import { runGuard, setHeaders } from './lib/http.js';
import { planRoute, type RoutePlan } from './lib/route-plan.js';
import { TollgateException } from './tollgate-exception.js';

// The plan a TollgateGuard enforced for this request, kept on the request object: it lives exactly as
// long as the request, tells a second TollgateGuard (global, then the controller's) that the work is
// done, and tells @Auth() that a guard, not other code, decided.
const ENFORCED = Symbol('tollgate.enforced');
type Enforced = { [ENFORCED]?: RoutePlan };

// Each app's route plans, made on a route's first request: per app configuration (so two apps never
// share one), per controller class, per handler. Every TollgateGuard of one app shares them.
const plansOf = new WeakMap<TollgateConfig, WeakMap<object, WeakMap<object, RoutePlan>>>();

/** A controller class and the classes it extends, nearest first (each is a level of declarations). */
function classChain(controller: object): object[] {
  const chain: object[] = [];
  for (let level: object | null = controller; typeof level === 'function' && level !== Function.prototype; level = Object.getPrototypeOf(level)) chain.push(level);
  return chain;
}

/** The plan a TollgateGuard enforced for this request, if one did. */
export function enforcedPlan(request: object): RoutePlan | undefined {
  return (request as Enforced)[ENFORCED];
}

/**
 * Authenticates requests and enforces `@Scopes`, `@AnyScope`, `@Public` and `@OptionalAuth`. Use it
 * app-wide (`{ provide: APP_GUARD, useClass: TollgateGuard }`) or per controller or route
 * (`@UseGuards(TollgateGuard)`); `@Scopes`, `@AnyScope` and `@OptionalAuth` bind it themselves, so a
 * route that declares a requirement is never served without it. It needs `TollgateModule.forRoot()`
 * (or `forRootAsync()`) in the app: without it, the app fails to start.
 *
 * A refusal is thrown as a {@link TollgateException} after the challenge headers are set on the response.
 * @example
 * \@Module({ imports: [TollgateModule.forRoot({ issuer, audience })], providers: [{ provide: APP_GUARD, useClass: TollgateGuard }] })
 * class AppModule {}
 * @see RFC 6750 section 3
 */
@Injectable()
export class TollgateGuard implements CanActivate {
  readonly #config: TollgateConfig;
  readonly #plans: WeakMap<object, WeakMap<object, RoutePlan>>;

  /**
   * Made by Nest's injector, with the app's configuration from TollgateModule.
   * @param config - the app's configuration; missing without TollgateModule, which stops the app's start
   */
  constructor(@Optional() @Inject(TOLLGATE_CONFIG) config?: TollgateConfig) {
    if (!config) {
      throw new TollgateConfigError('@tollgate/nestjs: TollgateGuard has no configuration; import TollgateModule.forRoot({ issuer, audience }) (or forRootAsync) in the app module');
    }
    this.#config = config;
    // Looked up once here rather than on every request: every guard of this app shares the app's plans.
    let plans = plansOf.get(config);
    if (!plans) {
      plans = new WeakMap();
      plansOf.set(config, plans);
    }
    this.#plans = plans;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Only HTTP requests carry a bearer token here; anything else fails closed rather than passing.
    if (context.getType() !== 'http') {
      throw new TollgateConfigError(`@tollgate/nestjs: TollgateGuard protects HTTP routes; it was run in a ${context.getType()} context`);
    }
    const plan = this.#planOf(context.getClass(), context.getHandler());
    const http = context.switchToHttp();
    const request = http.getRequest<object & Enforced>();
    // Another TollgateGuard of this app already enforced this very plan on this request.
    if (request[ENFORCED] === plan) return true;
    if (plan.access === 'public') return true;
    try {
      for (const guard of plan.guards) await runGuard(guard, request as Parameters<typeof runGuard>[1]);
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
      // The challenge goes on the response now, so Nest's default filter (which writes only a status
      // and a body) and your own filters answer with it.
      setHeaders(http.getResponse(), error.headers);
      throw new TollgateException(error);
    }
    // A route that requires a token and let a CORS preflight through (allowPreflight) has no token to
    // give @Auth(): it is not marked, so @Auth() there fails closed instead of handing out `undefined`.
    if (plan.access !== 'required' || decidedToken(request) !== undefined) request[ENFORCED] = plan;
    return true;
  }

  /** The route's plan, made on its first request and kept for the app. */
  #planOf(controller: object, handler: object): RoutePlan {
    let byHandler = this.#plans.get(controller);
    if (!byHandler) {
      byHandler = new WeakMap();
      this.#plans.set(controller, byHandler);
    }
    let plan = byHandler.get(handler);
    if (!plan) {
      const name = `${(controller as { name?: string }).name ?? 'controller'}.${(handler as { name?: string }).name ?? 'handler'}`;
      plan = planRoute(this.#config, [ownDeclarations(handler), ...classChain(controller).map(ownDeclarations)], name);
      byHandler.set(handler, plan);
    }
    return plan;
  }
}
