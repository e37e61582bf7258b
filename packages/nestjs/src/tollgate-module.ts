// TollgateModule: provides one app's tollgate configuration (verifier and guard options) to TollgateGuard.
import { Global, Module, type DynamicModule, type InjectionToken, type ModuleMetadata, type OptionalFactoryDependency } from '@nestjs/common';
import type { GuardOptions } from '@tollgate/core';
import { createConfig, TOLLGATE_CONFIG, type TollgateOptions } from './lib/config.js';
import { TollgateGuard } from './tollgate-guard.js';

/** Options of {@link TollgateModule.forRootAsync}. */
export interface TollgateModuleAsyncOptions {
  /** Modules whose providers `useFactory` needs (e.g. `ConfigModule`). */
  imports?: ModuleMetadata['imports'];
  /** The providers passed to `useFactory`, in order. */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** Returns the verifier options (or a verifier); validated when the app starts. */
  useFactory: (...args: never[]) => TollgateOptions | Promise<TollgateOptions>;
  /** Guard options beside the factory's result (`realm`, `allowQuery`, `allowBody`, `allowPreflight`). */
  guardOptions?: GuardOptions;
}

// Marks each forRoot/forRootAsync call with a value of its own. Nest's 'deep-hash' module ids key a
// dynamic module by the text of its metadata, in which two calls' factories read the same: without it,
// two TollgateModules for two APIs in one app would be merged into one, and one API's options would serve both.
const CALL = Symbol('tollgate.call');
let calls = 0;
const callMarker = () => ({ provide: CALL, useValue: `TollgateModule call ${(calls += 1)}` });

/**
 * Configures tollgate for a Nest application: one verifier (and its JWKS cache) per app, given to every
 * TollgateGuard of that app. Global, so controllers of every module can use the guard and decorators.
 * @example
 * \@Module({
 *   imports: [TollgateModule.forRoot({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' })],
 *   providers: [{ provide: APP_GUARD, useClass: TollgateGuard }],
 * })
 * class AppModule {}
 */
@Global()
@Module({})
export class TollgateModule {
  /**
   * Configures tollgate from verifier options (`issuer`, `audience`, ... with `realm`, `allowQuery`,
   * `allowBody`, `allowPreflight`) or a ready verifier. The options are validated when each app starts.
   * @example TollgateModule.forRoot({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' })
   */
  static forRoot(options: TollgateOptions, guardOptions?: GuardOptions): DynamicModule {
    return {
      module: TollgateModule,
      // A factory, not a value: each app built from this module gets its own verifier.
      providers: [callMarker(), { provide: TOLLGATE_CONFIG, useFactory: () => createConfig(options, guardOptions) }, TollgateGuard],
      exports: [TOLLGATE_CONFIG, TollgateGuard],
    };
  }

  /**
   * Configures tollgate from a factory, e.g. reading `ConfigService`.
   * @example
   * TollgateModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ issuer: config.get('ISSUER'), audience: config.get('AUDIENCE') }),
   * })
   */
  static forRootAsync(options: TollgateModuleAsyncOptions): DynamicModule {
    const { useFactory, guardOptions } = options;
    return {
      module: TollgateModule,
      imports: options.imports ?? [],
      providers: [
        callMarker(),
        {
          provide: TOLLGATE_CONFIG,
          inject: options.inject ?? [],
          useFactory: async (...args: never[]) => createConfig(await useFactory(...args), guardOptions),
        },
        TollgateGuard,
      ],
      exports: [TOLLGATE_CONFIG, TollgateGuard],
    };
  }
}
