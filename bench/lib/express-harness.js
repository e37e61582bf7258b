// What the benchmark needs around Express: a protected app, and a way to call a middleware without HTTP.
import express from 'express';

/** A minimal stand-in for an Express request, for calling a middleware without HTTP. */
function fakeRequest(token) {
  const headers = { authorization: `Bearer ${token}`, host: '127.0.0.1' };
  return {
    headers,
    rawHeaders: ['authorization', headers.authorization, 'host', headers.host],
    method: 'GET',
    url: '/orders',
    originalUrl: '/orders',
    path: '/orders',
    query: {},
    body: undefined,
    protocol: 'http',
    socket: { remoteAddress: '127.0.0.1' },
    get(name) {
      return headers[name.toLowerCase()];
    },
    is() {
      return false;
    },
  };
}

/** Calls an Express middleware with a fake request; resolves when it calls next(), rejects on next(err). */
export function callMiddleware(middleware, token) {
  return new Promise((resolve, reject) => {
    const req = fakeRequest(token);
    middleware(req, {}, (error) => (error ? reject(error) : resolve(req.auth)));
  });
}

export /** The token of an `Authorization: Bearer` header, or undefined: what a hand-written middleware does. */
function bearer(req) {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
  return match ? match[1] : undefined;
}

function errorHandler(err, req, res, next) {
  if (res.headersSent) return next(err);
  const status = err.status ?? err.statusCode ?? 401;
  res.status(status).json({ error: err.code ?? 'invalid_token' });
}

export function protectedApp(middleware) {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.get('/orders', middleware, (req, res) => {
    res.json({ ok: true, sub: req.auth?.sub ?? req.auth?.subject ?? req.auth?.payload?.sub ?? req.auth?.claims?.sub });
  });
  app.use(errorHandler);
  return app;
}
