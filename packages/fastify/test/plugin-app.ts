// The app of the Fastify plugin tests: the tollgate plugin with the options a test gives, its routes, and
// tollgateErrorHandler; closed after each test. On Fastify 4 and 5.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { afterEach } from 'vitest';
import type { FastifyModule, FrameworkVersion } from '../../../test/support/frameworks.js';
import type { IssuerFixture } from '../../../test/support/issuer.js';
import { tollgate, tollgateErrorHandler } from '../src/index.js';
import type { TollgateFastifyOptions } from '../src/index.js';

/** A route handler answering with what tollgate attached. */
export const echo = async (req: FastifyRequest) => ({ auth: req.auth ? { subject: req.auth.subject, scopes: req.auth.scopes } : null });

/** The challenge of a 403 for a token without `scope`. */
export const lacking = (scope: string) =>
  `Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="${scope}"`;

/** Plugin apps of one Fastify version, trusting the suite's issuer; each is closed after the test that made it. */
export interface PluginApps {
  /** A bare app. */
  create(): FastifyInstance;
  /** Starts an app with tollgateErrorHandler, the plugin (`options` over the issuer's) and `routes`; returns its URL. */
  start(options: Partial<TollgateFastifyOptions>, routes: (app: FastifyInstance) => void): Promise<string>;
}

/** Returns the plugin apps of a version, trusting `issuer`; every app is closed after the test that made it. */
export function usePluginApps(issuer: IssuerFixture): (version: FrameworkVersion<FastifyModule>) => PluginApps {
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  return (version) => {
    const create = (): FastifyInstance => {
      const app = version.module();
      apps.push(app);
      return app;
    };
    const start = async (options: Partial<TollgateFastifyOptions>, routes: (app: FastifyInstance) => void): Promise<string> => {
      const app = create();
      app.setErrorHandler(tollgateErrorHandler());
      await app.register(tollgate, { ...issuer.options(), ...options } as TollgateFastifyOptions);
      routes(app);
      return app.listen({ host: '127.0.0.1', port: 0 });
    };
    return { create, start };
  };
}
