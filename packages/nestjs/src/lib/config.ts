// One app's tollgate configuration: its verifier, guard options and the route plans made from them.
import { resolveAdapterOptions, TollgateConfigError, type AdapterOptions, type GuardOptions, type Verifier } from '@tollgate/core';

/** Injection token of the {@link TollgateConfig} that `TollgateModule.forRoot` / `forRootAsync` provide. */
export const TOLLGATE_CONFIG = Symbol('tollgate.config');

/** What `TollgateModule.forRoot` takes: verifier options (with `realm`, `allowQuery`...), or a ready verifier. */
export type TollgateOptions = AdapterOptions | Verifier;

/** One app's configuration, made once per Nest application (never shared between two apps in one process). */
export interface TollgateConfig {
  /** The app's verifier (and its JWKS cache). */
  readonly verifier: Verifier;
  /** The guard options every TollgateGuard of the app uses (`realm`, `allowQuery`, ...). */
  readonly guardOptions: GuardOptions;
}

/** Validates the options now (a bad option fails the app's start) and makes the app's configuration. */
export function createConfig(options: TollgateOptions, guardOptions?: GuardOptions): TollgateConfig {
  const resolved = resolveAdapterOptions(options, guardOptions);
  // Optional authentication belongs to the routes that declare it: an app-wide `optional` would open
  // every undecorated route to anonymous requests.
  if (resolved.guardOptions.optional !== undefined) {
    throw new TollgateConfigError('@tollgate/nestjs: optional is not a module option; mark the routes that take anonymous requests with @OptionalAuth()');
  }
  return Object.freeze({ verifier: resolved.verifier, guardOptions: Object.freeze({ ...resolved.guardOptions }) });
}
