import { describe, expect, it } from 'vitest';
import {
  ClaimsUnavailableError,
  IntrospectionUnavailableError,
  TemporarilyUnavailableError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  isTollgateError,
  JwksUnavailableError,
  MissingTokenError,
  TollgateConfigError,
  TollgateError,
  toUnhandledResponse,
} from '../src/index.js';

describe('error classes: status and code', () => {
  const cases = [
    { error: new MissingTokenError({ realm: 'api' }), status: 401, code: undefined, reason: 'missing_token', message: 'bearer token required' },
    { error: new InvalidRequestError('malformed Authorization header', { reason: 'malformed_header' }), status: 400, code: 'invalid_request', reason: 'malformed_header', message: 'malformed Authorization header' },
    { error: new InvalidTokenError('token expired', { reason: 'expired' }), status: 401, code: 'invalid_token', reason: 'expired', message: 'token expired' },
    { error: new InsufficientScopeError(['orders:read']), status: 403, code: 'insufficient_scope', reason: 'insufficient_scope', message: 'token lacks a required scope' },
    { error: new JwksUnavailableError({ retryAfter: 30 }), status: 503, code: 'temporarily_unavailable', reason: 'jwks_unavailable', message: 'signing keys are temporarily unavailable' },
  ] as const;

  for (const { error, status, code, reason, message } of cases) {
    it(`${error.name} is ${status} ${code ?? '(no code)'}`, () => {
      expect(error).toBeInstanceOf(TollgateError);
      expect(error).toBeInstanceOf(Error);
      expect(isTollgateError(error)).toBe(true);
      expect({ status: error.status, statusCode: error.statusCode, code: error.code, reason: error.reason, message: error.message, description: error.description, expose: error.expose }).toEqual({
        status,
        statusCode: status,
        code,
        reason,
        message,
        description: message,
        expose: true,
      });
    });

    it(`${error.name} has a stack without file paths or frames`, () => {
      expect(error.stack).toBe(`${error.name}: ${message}`);
      expect(error.stack).not.toMatch(/\/|\\|\.ts|\.js|\n\s+at /);
    });
  }

  it('names each error after its class', () => {
    expect(new InvalidTokenError('x', { reason: 'signature' }).name).toBe('InvalidTokenError');
    expect(new InsufficientScopeError([]).name).toBe('InsufficientScopeError');
    expect(new TollgateConfigError('x').name).toBe('TollgateConfigError');
  });
});

describe('error class hierarchy', () => {
  it('InsufficientScopeError is not an InvalidTokenError, so a 401 check cannot swallow a 403', () => {
    const error: unknown = new InsufficientScopeError(['orders:read']);
    expect(error instanceof InvalidTokenError).toBe(false);
    expect(error instanceof InsufficientScopeError).toBe(true);
  });

  it('JwksUnavailableError is not an InvalidTokenError: the token is not at fault', () => {
    expect((new JwksUnavailableError({ retryAfter: 1 }) as unknown) instanceof InvalidTokenError).toBe(false);
  });

  it('every 503 shares TemporarilyUnavailableError: status, code, Retry-After in whole seconds', () => {
    const errors = [
      new JwksUnavailableError({ retryAfter: 0.2 }),
      new IntrospectionUnavailableError({ retryAfter: 2.5 }),
      new ClaimsUnavailableError({ rule: { kind: 'validator', validator: 'v', failure: 'threw' } }),
    ];
    expect(errors.map((error) => error instanceof TemporarilyUnavailableError)).toEqual([true, true, true]);
    expect(errors.map((error) => [error.status, error.code, error.headers['Retry-After']])).toEqual([
      [503, 'temporarily_unavailable', '1'],
      [503, 'temporarily_unavailable', '3'],
      [503, 'temporarily_unavailable', '5'],
    ]);
  });

  it('TollgateConfigError is a 500 that is never exposed and not a refusal', () => {
    const error = new TollgateConfigError('tollgate: invalid options');
    expect(error).toBeInstanceOf(Error);
    expect(isTollgateError(error)).toBe(false);
    expect({ status: error.status, expose: error.expose, message: error.message }).toEqual({ status: 500, expose: false, message: 'tollgate: invalid options' });
  });

  it('isTollgateError is false for plain errors and non-errors', () => {
    expect(isTollgateError(new Error('x'))).toBe(false);
    expect(isTollgateError({ status: 401, code: 'invalid_token' })).toBe(false);
    expect(isTollgateError(undefined)).toBe(false);
  });
});

describe('WWW-Authenticate challenges', () => {
  it('MissingTokenError renders a bare challenge without an error attribute', () => {
    const error = new MissingTokenError({ realm: 'api' });
    expect(error.wwwAuthenticate()).toBe('Bearer realm="api"');
    expect(error.wwwAuthenticate()).not.toContain('error');
    expect(error.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="api"', 'Cache-Control': 'no-store' });
  });

  it('MissingTokenError for credentials of another scheme: the same bare challenge, its own reason and description', () => {
    const error = new MissingTokenError({ realm: 'api', reason: 'unsupported_scheme' });
    expect({ status: error.status, code: error.code, reason: error.reason }).toEqual({ status: 401, code: undefined, reason: 'unsupported_scheme' });
    expect(error.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="api"', 'Cache-Control': 'no-store' });
    expect(error.toJSON()).toEqual({ error_description: 'bearer token required; the Authorization header uses another scheme' });
  });

  it('MissingTokenError without a realm renders just the scheme', () => {
    expect(new MissingTokenError().wwwAuthenticate()).toBe('Bearer');
  });

  it('InvalidTokenError renders error and error_description', () => {
    const error = new InvalidTokenError('token expired', { reason: 'expired', realm: 'api' });
    expect(error.wwwAuthenticate()).toBe('Bearer realm="api", error="invalid_token", error_description="token expired"');
  });

  it('a realm passed to wwwAuthenticate overrides the error\'s own', () => {
    const error = new InvalidRequestError('malformed Authorization header', { reason: 'malformed_header', realm: 'api' });
    expect(error.wwwAuthenticate('orders')).toBe('Bearer realm="orders", error="invalid_request", error_description="malformed Authorization header"');
  });

  it('an adapter can set the realm after construction', () => {
    const error = new InvalidTokenError('invalid signature', { reason: 'signature' });
    expect(error.wwwAuthenticate()).toBe('Bearer error="invalid_token", error_description="invalid signature"');
    error.realm = 'shop';
    expect(error.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="shop", error="invalid_token", error_description="invalid signature"', 'Cache-Control': 'no-store' });
  });

  it('InsufficientScopeError names the required scopes in scope="..."', () => {
    const error = new InsufficientScopeError(['orders:read', 'orders:write'], { realm: 'api' });
    expect(error.scope).toBe('orders:read orders:write');
    expect(error.mode).toBe('all');
    expect(error.wwwAuthenticate()).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read orders:write"',
    );
  });

  it('InsufficientScopeError in any mode says so', () => {
    const error = new InsufficientScopeError(['a', 'b'], { mode: 'any' });
    expect({ mode: error.mode, message: error.message }).toEqual({ mode: 'any', message: 'token lacks any of the required scopes' });
  });

  it('InsufficientScopeError keeps a frozen copy of the scopes', () => {
    const scopes = ['orders:read'];
    const error = new InsufficientScopeError(scopes);
    scopes.push('admin');
    expect(error.requiredScopes).toEqual(['orders:read']);
    expect(Object.isFrozen(error.requiredScopes)).toBe(true);
  });

  it('other errors have no scope', () => {
    expect(new InvalidTokenError('x', { reason: 'signature' }).scope).toBeUndefined();
  });

  it('JwksUnavailableError headers carry Retry-After in whole seconds, at least 1', () => {
    const error = new JwksUnavailableError({ retryAfter: 12.2, realm: 'api' });
    expect(error.retryAfter).toBe(13);
    expect(error.headers).toEqual({
      'WWW-Authenticate': 'Bearer realm="api", error="temporarily_unavailable", error_description="signing keys are temporarily unavailable"',
      'Cache-Control': 'no-store',
      'Retry-After': '13',
    });
    expect(new JwksUnavailableError({ retryAfter: 0 }).headers['Retry-After']).toBe('1');
    expect(new JwksUnavailableError({ retryAfter: 0.01 }).retryAfter).toBe(1);
  });

  it('errors other than JwksUnavailableError have no Retry-After', () => {
    expect(Object.keys(new InvalidTokenError('x', { reason: 'signature' }).headers)).toEqual(['WWW-Authenticate', 'Cache-Control']);
  });
});

describe('toJSON bodies', () => {
  it('renders { error, error_description }', () => {
    expect(new InvalidTokenError('token expired', { reason: 'expired' }).toJSON()).toEqual({ error: 'invalid_token', error_description: 'token expired' });
    expect(new InsufficientScopeError(['a']).toJSON()).toEqual({ error: 'insufficient_scope', error_description: 'token lacks a required scope' });
    expect(new JwksUnavailableError({ retryAfter: 5 }).toJSON()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'signing keys are temporarily unavailable',
    });
  });

  it('omits error for MissingTokenError', () => {
    expect(new MissingTokenError().toJSON()).toEqual({ error_description: 'bearer token required' });
  });

  it('JSON.stringify uses toJSON and never includes the cause', () => {
    const cause = new Error('secret-key-material at /srv/app/keys.pem');
    const error = new InvalidTokenError('invalid signature', { reason: 'signature', cause });
    expect(error.cause).toBe(cause);
    expect(JSON.stringify(error)).toBe('{"error":"invalid_token","error_description":"invalid signature"}');
    expect(error.wwwAuthenticate()).not.toContain('secret');
    expect(error.stack).not.toContain('secret');
  });

  it('has no cause property when none was given', () => {
    expect('cause' in new InvalidTokenError('x', { reason: 'signature' })).toBe(false);
  });
});

describe('toUnhandledResponse', () => {
  it('answers a bare 500 for an error no framework handler took, and warns once with the message cut and unprintable characters replaced', async () => {
    const warnings: string[] = [];
    const listen = (warning: Error) => warnings.push(warning.message);
    process.on('warning', listen);
    try {
      const hostile = `SyntaxError in "\u202Eevil\nline2\u2028" ${'x'.repeat(400)}`;
      const response = toUnhandledResponse(new Error(hostile));
      expect(response).toEqual({ status: 500, headers: { 'Cache-Control': 'no-store' }, contentType: 'application/json; charset=utf-8', body: '{"error":"server_error"}' });
      toUnhandledResponse(new Error(hostile));
      await new Promise((resolve) => setImmediate(resolve));
      const ours = warnings.filter((message) => message.startsWith('tollgate: an error reached no framework error handler'));
      expect(ours).toHaveLength(1);
      expect(ours[0]).not.toMatch(/[\u202E\n\u2028]/);
      expect(ours[0]!.length).toBeLessThan(300);
    } finally {
      process.off('warning', listen);
    }
  });
});
