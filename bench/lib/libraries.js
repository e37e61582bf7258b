// The libraries under test. Each entry builds, for one algorithm:
//   fn():   a function `(token) => Promise<unknown>` that verifies one token (rejects when invalid)
//   app():  an Express 5 app with GET /orders protected by that library (HTTP rows; absent for function-only rows)
//   algs:   the algorithms it can verify here, when not all; `unsupported` says why the others are n/a
import { createVerifier } from '@tollgate/core';
import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { auth as auth0Middleware } from 'express-oauth2-jwt-bearer';
import { expressjwt } from 'express-jwt';
import jwksRsa from 'jwks-rsa';
import { createVerifier as createFastJwtVerifier } from 'fast-jwt';
import buildGetJwks from 'get-jwks';

import { cryptoFloor } from './crypto-floor.js';
import { bearer, callMiddleware, protectedApp } from './express-harness.js';

const NO_OKP_IN_GET_JWKS = 'get-jwks converts JWKs with jwk-to-pem, which has no OKP (Ed25519) keys';

// aws-jwt-verify fetches with node:https only; its documented extension point is a Fetcher for its
// SimpleJwksCache. This one reads the local issuer's http JWKS with the global fetch.
const httpFetcher = {
  async fetch(uri) {
    const response = await fetch(uri, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`JWKS responded ${response.status}`);
    return response.arrayBuffer();
  },
};

/** tollgate's Express middleware: the real adapter when it is built, else a tiny inline one. */
export async function loadTollgateExpress() {
  try {
    const mod = await import('@tollgate/express');
    if (typeof mod.requireAuth === 'function') return { requireAuth: mod.requireAuth, inline: false };
  } catch {
    // not built yet: fall through
  }
  const requireAuth = (verifier) => async (req, res, next) => {
    try {
      req.auth = await verifier.authenticate({ headers: req.headers, rawHeaders: req.rawHeaders, method: req.method, query: req.query });
      next();
    } catch (error) {
      res.status(error.status ?? 401);
      if (typeof error.wwwAuthenticate === 'function') res.set('WWW-Authenticate', error.wwwAuthenticate());
      res.json({ error: error.code ?? 'invalid_token', error_description: error.description });
    }
  };
  return { requireAuth, inline: true };
}

/** Every library row; `issuer` is the test issuer (the floor row reads its public keys; the rest only its URLs). */
export function defineLibraries(issuer, tollgateExpress) {
  const { issuer: iss, audience, jwksUri } = issuer;
  // With the real adapter pass the options (the documented usage); the inline one needs a verifier.
  const tollgateMiddleware = (options) =>
    tollgateExpress.inline ? tollgateExpress.requireAuth(createVerifier(options)) : tollgateExpress.requireAuth(options);
  const expressNote = tollgateExpress.inline ? ' [inline middleware: @tollgate/express has no requireAuth yet]' : ' [@tollgate/express requireAuth]';
  const fastJwt = (alg, cache) => {
    const getJwks = buildGetJwks({ providerDiscovery: false, issuersWhitelist: [iss], jwksPath: new URL(jwksUri).pathname });
    return createFastJwtVerifier({
      key: async ({ header, payload }) => getJwks.getPublicKey({ kid: header.kid, alg: header.alg, domain: payload.iss }),
      algorithms: [alg],
      allowedIss: iss,
      allowedAud: audience,
      requiredClaims: ['exp'],
      cache,
    });
  };
  const fastJwtMiddleware = (verify) => async (req, res, next) => {
    const token = bearer(req);
    if (!token) return next(Object.assign(new Error('missing token'), { status: 401 }));
    try {
      req.auth = await verify(token);
      next();
    } catch (error) {
      next(Object.assign(error, { status: 401 }));
    }
  };

  return [
    {
      name: 'tollgate',
      note: 'createVerifier({ issuer, audience }) with discovery; verified-token LRU cache on (default)',
      httpNote: expressNote,
      fn: () => {
        const verifier = createVerifier({ issuer: iss, audience, allowInsecureRequests: true });
        return (token) => verifier.verify(token);
      },
      app: () => protectedApp(tollgateMiddleware({ issuer: iss, audience, allowInsecureRequests: true })),
    },
    {
      name: 'tollgate (cache: false)',
      note: 'same, with the verified-token cache disabled: every call checks the signature',
      httpNote: expressNote,
      fn: () => {
        const verifier = createVerifier({ issuer: iss, audience, allowInsecureRequests: true, cache: false });
        return (token) => verifier.verify(token);
      },
      app: () => protectedApp(tollgateMiddleware({ issuer: iss, audience, allowInsecureRequests: true, cache: false })),
    },
    {
      name: 'jose (createRemoteJWKSet + jwtVerify)',
      note: 'the hand-rolled baseline; HTTP app uses a small hand-written middleware',
      httpNote: ' [hand-written middleware]',
      fn: (alg) => {
        const jwks = createRemoteJWKSet(new URL(jwksUri));
        return (token) => jwtVerify(token, jwks, { issuer: iss, audience, algorithms: [alg], requiredClaims: ['exp'] });
      },
      app: (alg) => {
        const jwks = createRemoteJWKSet(new URL(jwksUri));
        return protectedApp(async (req, res, next) => {
          const token = bearer(req);
          if (!token) return next(Object.assign(new Error('missing token'), { status: 401 }));
          try {
            req.auth = (await jwtVerify(token, jwks, { issuer: iss, audience, algorithms: [alg], requiredClaims: ['exp'] })).payload;
            next();
          } catch (error) {
            next(Object.assign(error, { status: 401 }));
          }
        });
      },
    },
    {
      name: 'aws-jwt-verify',
      note: 'JwtVerifier.create({ issuer, audience, jwksUri }) with a SimpleJwksCache whose Fetcher uses fetch (its own fetcher is https-only)',
      fn: () => {
        const verifier = JwtVerifier.create({ issuer: iss, audience, jwksUri }, { jwksCache: new SimpleJwksCache({ fetcher: httpFetcher }) });
        return (token) => verifier.verify(token);
      },
    },
    {
      name: 'express-oauth2-jwt-bearer',
      note: 'Auth0 auth() middleware with issuer + jwksUri + tokenSigningAlg; function level calls it with a fake req',
      httpNote: '',
      fn: (alg) => {
        const middleware = auth0Middleware({ issuer: iss, audience, jwksUri, tokenSigningAlg: alg });
        return (token) => callMiddleware(middleware, token);
      },
      app: (alg) => protectedApp(auth0Middleware({ issuer: iss, audience, jwksUri, tokenSigningAlg: alg })),
    },
    {
      name: 'express-jwt + jwks-rsa',
      algs: ['RS256', 'ES256'],
      unsupported: 'jwks-rsa cannot turn an OKP (Ed25519) JWK into a key: "Unknown key type"',
      note: 'expressjwt({ secret: expressJwtSecret({ jwksUri, cache: true }) }); function level calls it with a fake req',
      httpNote: '',
      fn: (alg) => {
        const middleware = expressjwt({
          secret: jwksRsa.expressJwtSecret({ jwksUri, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 }),
          algorithms: [alg],
          issuer: iss,
          audience,
        });
        return (token) => callMiddleware(middleware, token);
      },
      app: (alg) =>
        protectedApp(
          expressjwt({
            secret: jwksRsa.expressJwtSecret({ jwksUri, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 }),
            algorithms: [alg],
            issuer: iss,
            audience,
          }),
        ),
    },
    {
      name: 'fast-jwt + get-jwks',
      algs: ['RS256', 'ES256'],
      unsupported: NO_OKP_IN_GET_JWKS,
      note: 'fast-jwt createVerifier with a get-jwks key fetcher, token cache off (its default); HTTP app uses a small hand-written middleware',
      httpNote: ' [hand-written middleware]',
      fn: (alg) => fastJwt(alg, false),
      app: (alg) => protectedApp(fastJwtMiddleware(fastJwt(alg, false))),
    },
    {
      name: 'fast-jwt + get-jwks (cache: true)',
      algs: ['RS256', 'ES256'],
      unsupported: NO_OKP_IN_GET_JWKS,
      note: 'same with fast-jwt’s own verified-token cache on (the closest peer to tollgate’s default)',
      httpNote: ' [hand-written middleware]',
      fn: (alg) => fastJwt(alg, true),
      app: (alg) => protectedApp(fastJwtMiddleware(fastJwt(alg, true))),
    },
    {
      name: 'node:crypto.verify (floor)',
      floor: true,
      note: 'crypto.verify with a KeyObject prepared before timing, then JSON.parse of the payload: no header, key lookup or claim checks',
      fn: (alg) => cryptoFloor(issuer, alg),
    },
  ];
}

/** Whether `lib` can verify `alg` tokens here (rows that cannot are shown as n/a, with `lib.unsupported`). */
export const supports = (lib, alg) => !lib.algs || lib.algs.includes(alg);

/** Reference row for the HTTP scenarios: the same Express app with no authentication at all, i.e. the HTTP ceiling. */
export const ceiling = {
  name: 'Express only, no auth (ceiling)',
  httpNote: '',
  note: 'HTTP only: the same app and client without any token check',
  app: () => protectedApp((req, res, next) => next()),
};
