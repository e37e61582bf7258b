// The same small orders API on Express 5, Koa 3 and Fastify 5, each protected by its tollgate adapter:
// GET /orders needs orders:read, POST /orders needs orders:write. Each answers with what it saw of the token.
import Router from '@koa/router';
import type { AccessToken, AdapterOptions } from '@tollgate/core';
import * as tollgateExpress from '@tollgate/express';
import tollgateFastify, { tollgateErrorHandler as fastifyErrorHandler } from '@tollgate/fastify';
import * as tollgateKoa from '@tollgate/koa';
import express from 'express';
import fastify from 'fastify';
import Koa from 'koa';
import { serve, serveFastify, type Served } from '../support/server.js';

/** What a protected route answers: the parts of `req.auth` the test checks (never the raw token). */
export interface AuthView {
  clientId: string | undefined;
  subject: string | undefined;
  issuer: string;
  audience: readonly string[];
  scopes: readonly string[];
  header: { alg: string | undefined; typ: string | undefined; kid: string | undefined };
  /** The claim names present, sorted. */
  claims: string[];
}

/**
 * Reduces an access token to what a route answers (Fastify leaves `request.auth` null, the others undefined).
 * @example app.get('/orders', requireScope('orders:read'), (req, res) => res.json(viewOf(req.auth)));
 */
export function viewOf(auth: AccessToken | null | undefined): AuthView | null {
  if (!auth) return null;
  return {
    clientId: auth.clientId,
    subject: auth.subject,
    issuer: auth.issuer,
    audience: auth.audience,
    scopes: auth.scopes,
    header: { alg: auth.header.alg, typ: auth.header.typ, kid: auth.header.kid },
    claims: Object.keys(auth.claims).sort(),
  };
}

/** One running app. */
export interface OrdersApp extends Served {
  readonly framework: string;
}

/** Builds and serves one framework's app with these tollgate options. */
export type OrdersAppFactory = (options: AdapterOptions) => Promise<OrdersApp>;

const startExpress: OrdersAppFactory = async (options) => {
  const { requireAuth, requireScope, tollgateErrorHandler } = tollgateExpress;
  const app = express();
  app.use(requireAuth(options));
  app.get('/orders', requireScope('orders:read'), (req, res) => {
    res.json(viewOf(req.auth));
  });
  app.post('/orders', requireScope('orders:write'), (req, res) => {
    res.status(201).json(viewOf(req.auth));
  });
  app.use(tollgateErrorHandler());
  return { framework: 'express5', ...(await serve(app)) };
};

const startKoa: OrdersAppFactory = async (options) => {
  const { requireAuth, requireScope, tollgateErrorHandler } = tollgateKoa;
  const app = new Koa();
  const router = new Router();
  router.get('/orders', requireScope('orders:read'), (ctx) => {
    ctx.body = viewOf(ctx.state.auth);
  });
  router.post('/orders', requireScope('orders:write'), (ctx) => {
    ctx.status = 201;
    ctx.body = viewOf(ctx.state.auth);
  });
  app.use(tollgateErrorHandler());
  app.use(requireAuth(options));
  app.use(router.routes());
  return { framework: 'koa3', ...(await serve(app.callback())) };
};

const startFastify: OrdersAppFactory = async (options) => {
  const app = fastify();
  app.setErrorHandler(fastifyErrorHandler());
  await app.register(tollgateFastify, options);
  app.get('/orders', { config: { scopes: ['orders:read'] } }, async (request) => viewOf(request.auth));
  app.post('/orders', { config: { scopes: ['orders:write'] } }, async (request, reply) => reply.status(201).send(viewOf(request.auth)));
  return { framework: 'fastify5', ...(await serveFastify(app)) };
};

/**
 * The three adapters under test, as `[name, factory]` rows for `describe.each`.
 * @example describe.each(ORDERS_APPS)('through %s', (_name, start) => { ... start({ issuer, audience }) ... });
 */
export const ORDERS_APPS: readonly [string, OrdersAppFactory][] = [
  ['express5', startExpress],
  ['koa3', startKoa],
  ['fastify5', startFastify],
];
