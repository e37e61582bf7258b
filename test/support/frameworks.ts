// The framework majors the adapter suites run against: the current one and the one before it, the older
// ones installed under the root npm aliases `express4`, `koa2` and `fastify4`.
import express5 from 'express';
import express4 from 'express4';
import fastify5 from 'fastify';
import fastify4 from 'fastify4';
import { Hono } from 'hono';
import Koa3 from 'koa';
import Koa2 from 'koa2';

export type ExpressModule = typeof express5;
export type KoaModule = typeof Koa3;
export type FastifyModule = typeof fastify5;
export type HonoModule = typeof Hono;

/** One major version of a framework and its module (Express's factory, Koa's class, Fastify's factory). */
export interface FrameworkVersion<Module> {
  /** `express4`, `koa3`, ... as the suites name it. */
  readonly name: string;
  readonly major: number;
  readonly module: Module;
}

export const EXPRESS_VERSIONS: readonly FrameworkVersion<ExpressModule>[] = [
  { name: 'express4', major: 4, module: express4 },
  { name: 'express5', major: 5, module: express5 },
];

export const KOA_VERSIONS: readonly FrameworkVersion<KoaModule>[] = [
  { name: 'koa2', major: 2, module: Koa2 },
  { name: 'koa3', major: 3, module: Koa3 },
];

export const FASTIFY_VERSIONS: readonly FrameworkVersion<FastifyModule>[] = [
  // Fastify 4's types differ in details the suites do not touch.
  { name: 'fastify4', major: 4, module: fastify4 as unknown as FastifyModule },
  { name: 'fastify5', major: 5, module: fastify5 },
];

/** Hono 4, the only major with a stable release. */
export const HONO_VERSIONS: readonly FrameworkVersion<HonoModule>[] = [{ name: 'hono4', major: 4, module: Hono }];

/** `[name, item]` rows for `describe.each(...)('%s', (_name, item) => ...)`: titles without quotes. */
export function byName<T extends { readonly name: string }>(items: readonly T[]): [string, T][] {
  return items.map((item) => [item.name, item]);
}
