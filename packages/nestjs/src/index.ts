/**
 * `@tollgate/nestjs`: OAuth 2.0 bearer-token protection for NestJS 11 and 12 (Express and Fastify
 * platforms): `TollgateModule`, `TollgateGuard`, `@Scopes`, `@AnyScope`, `@Claims`, `@Public`, `@OptionalAuth`, `@Auth()`.
 * It also re-exports all of {@link @tollgate/core! | @tollgate/core} (errors, `verifyToken`, renderers, types), documented there.
 * @module index
 */
export * from '@tollgate/core';
export { TollgateModule } from './tollgate-module.js';
export type { TollgateModuleAsyncOptions } from './tollgate-module.js';
export { TollgateGuard } from './tollgate-guard.js';
export { AnyScope, Auth, Claims, OptionalAuth, Public, Scopes, StepUp } from './decorators.js';
export type { TollgateDecorator } from './decorators.js';
export { TollgateException, TollgateExceptionFilter } from './tollgate-exception.js';
export type { TollgateExceptionFilterOptions } from './tollgate-exception.js';
export type { TollgateConfig, TollgateOptions } from './lib/config.js';
