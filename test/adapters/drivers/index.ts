// Every adapter the cross-adapter suites run against; adding an adapter means adding its driver here.
import type { AdapterDriver } from '../driver.js';
import { expressDriver } from './express.js';
import { fastifyDriver } from './fastify.js';
import { koaDriver } from './koa.js';

export { expressDriver, fastifyDriver, koaDriver };

export const DRIVERS: readonly AdapterDriver[] = [expressDriver, koaDriver, fastifyDriver];

/** The adapters with middleware: requireAuth, standalone requireScope (Express and Koa). */
export const MIDDLEWARE_DRIVERS: readonly AdapterDriver[] = DRIVERS.filter((driver) => driver.hasRequireAuth);
