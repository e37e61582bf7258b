import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { extractBearerToken, InvalidRequestError } from '../src/index.js';
import type { ExtractOptions, RequestLike, TollgateErrorReason } from '../src/index.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
const FORM = 'application/x-www-form-urlencoded';

function refusal(request: RequestLike, options?: ExtractOptions): InvalidRequestError {
  try {
    extractBearerToken(request, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return error as InvalidRequestError;
  }
  return expect.fail('expected extractBearerToken to throw');
}

function expectRefusal(request: RequestLike, reason: TollgateErrorReason, message: string, options?: ExtractOptions): void {
  const err = refusal(request, options);
  expect({ status: err.status, code: err.code, reason: err.reason, message: err.message }).toEqual({ status: 400, code: 'invalid_request', reason, message });
}

/** Sends a raw HTTP request to a real Node server and hands back what Node parsed. */
async function receive(rawHead: string): Promise<IncomingMessage> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const received = new Promise<IncomingMessage>((resolve) =>
      server.once('request', (req: IncomingMessage, res) => {
        res.end();
        resolve(req);
      }),
    );
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(rawHead);
    const req = await received;
    socket.destroy();
    return req;
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('extractBearerToken: Authorization header', () => {
  it('returns the token of a Bearer header', () => {
    expect(extractBearerToken({ headers: { authorization: `Bearer ${TOKEN}` } })).toBe(TOKEN);
  });

  it('accepts the scheme in any case', () => {
    expect(extractBearerToken({ headers: { authorization: `bearer ${TOKEN}` } })).toBe(TOKEN);
    expect(extractBearerToken({ headers: { authorization: `BEARER ${TOKEN}` } })).toBe(TOKEN);
  });

  it('accepts several spaces after the scheme and surrounding whitespace', () => {
    expect(extractBearerToken({ headers: { authorization: `Bearer    ${TOKEN}` } })).toBe(TOKEN);
    expect(extractBearerToken({ headers: { authorization: `  Bearer ${TOKEN}  ` } })).toBe(TOKEN);
  });

  it('accepts the full b64token alphabet with trailing padding', () => {
    expect(extractBearerToken({ headers: { authorization: 'Bearer aZ09-._~+/==' } })).toBe('aZ09-._~+/==');
  });

  it('returns undefined when the request carries no token at all', () => {
    expect(extractBearerToken({ headers: {} })).toBeUndefined();
    expect(extractBearerToken({ headers: { 'content-type': FORM }, method: 'POST', body: {}, query: {} })).toBeUndefined();
  });

  it('rejects Bearer without a token as a malformed header', () => {
    expectRefusal({ headers: { authorization: 'Bearer' } }, 'malformed_header', 'malformed Authorization header');
    expectRefusal({ headers: { authorization: 'Bearer   ' } }, 'malformed_header', 'malformed Authorization header');
  });

  it('rejects an empty Authorization header as malformed', () => {
    expectRefusal({ headers: { authorization: '' } }, 'malformed_header', 'malformed Authorization header');
  });

  it('rejects a token containing a space, a comma or padding in the middle', () => {
    for (const value of ['Bearer abc def', 'Bearer abc,def', 'Bearer ab=c', 'Bearer\tabc', 'Bearer "abc"']) {
      expectRefusal({ headers: { authorization: value } }, 'malformed_header', 'malformed Authorization header');
    }
  });

  it('returns undefined for credentials of another scheme: no bearer token (RFC 6750 section 3.1)', () => {
    for (const value of ['Basic dXNlcjpwYXNz', 'DPoP abc', 'badtoken', TOKEN, 'Basic', 'Token x y', 'BearerX abc', 'Digest username="a", realm="b"']) {
      expect(extractBearerToken({ headers: { authorization: value } }), value).toBeUndefined();
    }
  });

  it('counts a header of another scheme as no method: with a query token it is one bearer method, not two', () => {
    const request = { headers: { authorization: 'Basic dXNlcjpwYXNz' }, query: { access_token: TOKEN } };
    expect(extractBearerToken(request, { allowQuery: true })).toBe(TOKEN);
    expectRefusal(request, 'query_token_not_allowed', 'access_token in the query is not accepted; use the Authorization header');
  });

  it('still rejects two Authorization headers, even of another scheme', () => {
    const request = { headers: { authorization: 'Basic a' }, rawHeaders: ['Authorization', 'Basic a', 'Authorization', 'Basic b'] };
    expectRefusal(request, 'multiple_headers', 'more than one Authorization header');
  });

  it('rejects a line whose scheme cannot be read as malformed, not as another scheme', () => {
    for (const value of ['Bearer,abc', 'Bearer=abc', 'Bearer: abc', '\uff22earer abc', ',abc', '"Basic" abc']) {
      expectRefusal({ headers: { authorization: value } }, 'malformed_header', 'malformed Authorization header');
    }
  });

  it('rejects an Authorization header folded into an array', () => {
    expectRefusal({ headers: { authorization: ['Bearer a', 'Bearer b'] } }, 'multiple_headers', 'more than one Authorization header');
  });

  it('detects a second Authorization header through rawHeaders', () => {
    const request = { headers: { authorization: 'Bearer a' }, rawHeaders: ['Authorization', 'Bearer a', 'authorization', 'Bearer b'] };
    expectRefusal(request, 'multiple_headers', 'more than one Authorization header');
  });

  it('detects a repeated Authorization header on a real Node request, which headers alone would hide', async () => {
    const req = await receive(`GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer first\r\nAuthorization: Bearer second\r\nConnection: close\r\n\r\n`);
    // Node keeps only the first authorization header in req.headers.
    expect(req.headers.authorization).toBe('Bearer first');
    expectRefusal(req, 'multiple_headers', 'more than one Authorization header');
  });

  it('accepts a single Authorization header on a real Node request', async () => {
    const req = await receive(`GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`);
    expect(extractBearerToken(req)).toBe(TOKEN);
  });

  it('puts the realm on the error it throws', () => {
    const err = refusal({ headers: { authorization: 'Bearer a b' } }, { realm: 'orders' });
    expect(err.realm).toBe('orders');
    expect(err.wwwAuthenticate()).toBe('Bearer realm="orders", error="invalid_request", error_description="malformed Authorization header"');
  });
});

describe('extractBearerToken: query parameter (RFC 6750 section 2.3)', () => {
  it('refuses a query token unless allowQuery is set', () => {
    expectRefusal({ headers: {}, query: { access_token: TOKEN } }, 'query_token_not_allowed', 'access_token in the query is not accepted; use the Authorization header');
  });

  it('returns the query token when allowQuery is set', () => {
    expect(extractBearerToken({ headers: {}, query: { access_token: TOKEN } }, { allowQuery: true })).toBe(TOKEN);
    expect(extractBearerToken({ headers: {}, query: new URLSearchParams({ access_token: TOKEN }) }, { allowQuery: true })).toBe(TOKEN);
    expect(extractBearerToken({ headers: {}, query: { access_token: [TOKEN] } }, { allowQuery: true })).toBe(TOKEN);
  });

  it('ignores a query without access_token', () => {
    expect(extractBearerToken({ headers: {}, query: { page: '2' } })).toBeUndefined();
    expect(extractBearerToken({ headers: {}, query: new URLSearchParams('page=2') })).toBeUndefined();
  });

  it('rejects a header token and a query token together, even when the query is allowed', () => {
    const request = { headers: { authorization: `Bearer ${TOKEN}` }, query: { access_token: TOKEN } };
    expectRefusal(request, 'multiple_methods', 'token sent by more than one method');
    expectRefusal(request, 'multiple_methods', 'token sent by more than one method', { allowQuery: true });
  });

  it('rejects a repeated access_token parameter', () => {
    expectRefusal({ headers: {}, query: { access_token: ['a', 'b'] } }, 'malformed_parameter', 'access_token must be given once', { allowQuery: true });
    expectRefusal({ headers: {}, query: new URLSearchParams('access_token=a&access_token=b') }, 'malformed_parameter', 'access_token must be given once', { allowQuery: true });
  });

  it('rejects a query token that is not a b64token', () => {
    expectRefusal({ headers: {}, query: { access_token: 'a b' } }, 'malformed_parameter', 'malformed access_token', { allowQuery: true });
    expectRefusal({ headers: {}, query: { access_token: '' } }, 'malformed_parameter', 'malformed access_token', { allowQuery: true });
  });

  it('rejects an access_token parameter that is an object', () => {
    expectRefusal({ headers: {}, query: { access_token: { nested: 'x' } } }, 'malformed_parameter', 'malformed access_token', { allowQuery: true });
  });
});

describe('extractBearerToken: form body (RFC 6750 section 2.2)', () => {
  const post = (body: unknown, contentType = FORM, method = 'POST'): RequestLike => ({ method, headers: { 'content-type': contentType }, body });

  it('refuses a form body token unless allowBody is set', () => {
    expectRefusal(post({ access_token: TOKEN }), 'body_token_not_allowed', 'access_token in the body is not accepted; use the Authorization header');
  });

  it('returns the form body token of a POST when allowBody is set', () => {
    expect(extractBearerToken(post({ access_token: TOKEN }), { allowBody: true })).toBe(TOKEN);
    expect(extractBearerToken(post({ access_token: TOKEN }, `${FORM}; charset=UTF-8`, 'put'), { allowBody: true })).toBe(TOKEN);
  });

  it('ignores a body token of a GET or HEAD request', () => {
    expect(extractBearerToken(post({ access_token: TOKEN }, FORM, 'GET'), { allowBody: true })).toBeUndefined();
    expect(extractBearerToken(post({ access_token: TOKEN }, FORM, 'HEAD'), { allowBody: true })).toBeUndefined();
  });

  it('ignores access_token in a JSON body', () => {
    expect(extractBearerToken(post({ access_token: TOKEN }, 'application/json'), { allowBody: true })).toBeUndefined();
    expect(extractBearerToken(post({ access_token: TOKEN }, 'application/json'))).toBeUndefined();
  });

  it('ignores a body without a content type', () => {
    expect(extractBearerToken({ method: 'POST', headers: {}, body: { access_token: TOKEN } }, { allowBody: true })).toBeUndefined();
  });

  it('rejects a header token together with a form body token', () => {
    const request: RequestLike = { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': FORM }, body: { access_token: TOKEN } };
    expectRefusal(request, 'multiple_methods', 'token sent by more than one method', { allowBody: true });
  });

  it('rejects a query token together with a form body token', () => {
    const request: RequestLike = { ...post({ access_token: TOKEN }), query: { access_token: TOKEN } };
    expectRefusal(request, 'multiple_methods', 'token sent by more than one method', { allowBody: true, allowQuery: true });
  });
});
