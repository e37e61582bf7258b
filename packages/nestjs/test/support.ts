// Starts a Nest app from a module with @nestjs/testing, on Express or Fastify, listening on 127.0.0.1.
import 'reflect-metadata';
import type { INestApplication, LoggerService, Type } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';

export type PlatformName = 'express' | 'fastify';
export const PLATFORMS: readonly PlatformName[] = ['express', 'fastify'];

/** A logger that records what Nest logs, by level. */
export class RecordingLogger implements LoggerService {
  readonly records: Array<{ level: string; message: unknown; rest: unknown[] }> = [];
  log(message: unknown, ...rest: unknown[]) { this.records.push({ level: 'log', message, rest }); }
  error(message: unknown, ...rest: unknown[]) { this.records.push({ level: 'error', message, rest }); }
  warn(message: unknown, ...rest: unknown[]) { this.records.push({ level: 'warn', message, rest }); }
  debug(message: unknown, ...rest: unknown[]) { this.records.push({ level: 'debug', message, rest }); }
  verbose(message: unknown, ...rest: unknown[]) { this.records.push({ level: 'verbose', message, rest }); }
  fatal(message: unknown, ...rest: unknown[]) { this.records.push({ level: 'fatal', message, rest }); }
  get errors() { return this.records.filter((r) => r.level === 'error' || r.level === 'fatal'); }
}

export interface Running {
  readonly app: INestApplication;
  readonly url: string;
  readonly logger: RecordingLogger;
  get(path: string, headers?: Record<string, string>, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** Compiles `module` with Test.createTestingModule, creates the app on `platform`, and listens on 127.0.0.1. */
export async function start(platform: PlatformName, module: Type<unknown>, configure?: (app: INestApplication) => void): Promise<Running> {
  const testing = await Test.createTestingModule({ imports: [module] }).compile();
  const logger = new RecordingLogger();
  const app = testing.createNestApplication(platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(), { logger });
  configure?.(app);
  await app.init();
  if (platform === 'fastify') await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    logger,
    get: (path, headers = {}, init = {}) => fetch(`${url}${path}`, { ...init, headers }),
    close: () => app.close(),
  };
}

/** The parts of a response the adapters must agree on. */
export async function observe(response: Response) {
  return {
    status: response.status,
    wwwAuthenticate: response.headers.get('www-authenticate'),
    cacheControl: response.headers.get('cache-control'),
    retryAfter: response.headers.get('retry-after'),
    contentType: response.headers.get('content-type'),
    body: (await response.json()) as unknown,
  };
}
