// What every adapter is built from: resolveAdapterOptions, bindRequests, createMethodDecorator and
// defineScopeDecorators (TypeScript 5 standard decorators), and defineMiddleware; with real tokens.
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bindRequests,
  createGuard,
  createMethodDecorator,
  createVerifier,
  DefaultConfiguration,
  defineMiddleware,
  defineScopeDecorators,
  InsufficientScopeError,
  InvalidTokenError,
  MissingTokenError,
  queryIfPresent,
  resolveAdapterOptions,
  TollgateConfigError,
} from '../src/index.js';
import type { AccessToken, Guard, GuardState, RequestAccess, Verifier, VerifierOptions } from '../src/index.js';

const AUDIENCE_B = 'https://b.example.test';

let issuer: TestIssuer;
let verifierA: Verifier;

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
  verifierA = createVerifier(optionsFor(issuer.audience));
});
afterAll(async () => {
  await issuer.close();
});

function optionsFor(audience: string): VerifierOptions {
  return { issuer: issuer.issuer, audience, allowInsecureRequests: true };
}

/**
 * The error a promise rejects with (or a function throws); fails the test when there is none. Takes
 * `unknown` because a decorated method keeps its declared return type while it returns a promise.
 */
async function rejection(value: unknown): Promise<unknown> {
  try {
    await (typeof value === 'function' ? (value as () => unknown)() : value);
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but there was none');
}

/** A framework request of the smallest kind: headers, and where the token goes. */
interface Call {
  headers: Record<string, string>;
  query?: Record<string, string>;
  auth?: AccessToken | null;
}
const call = (jwt?: string, extra: Partial<Call> = {}): Call => ({ headers: jwt === undefined ? {} : { authorization: `Bearer ${jwt}` }, ...extra });

/** Request access for {@link Call}, counting how often the token is attached. */
function callAccess() {
  const attached: AccessToken[] = [];
  const access: RequestAccess<Call> = {
    read: (c) => ({ headers: c.headers, method: 'GET', query: c.query }),
    getAuth: (c) => c.auth,
    setAuth: (c, token) => {
      attached.push(token);
      c.auth = token;
    },
  };
  return { access, attached };
}

/** A real guard that records the state each run hands it. */
function recording(guard: Guard) {
  const states: GuardState[] = [];
  const wrapped: Guard = (request, state) => {
    states.push({ ...state });
    return guard(request, state);
  };
  return { guard: wrapped, states };
}

describe('resolveAdapterOptions', () => {
  it('splits optional, allowQuery and allowBody out, so the strict verifier schema accepts the rest', () => {
    const input = { ...optionsFor(issuer.audience), optional: true, allowQuery: true, allowBody: false, clockTolerance: '30s' };
    // The verifier alone refuses the guard keys: the split is what makes the adapter options work.
    expect(() => createVerifier(input as VerifierOptions)).toThrow(TollgateConfigError);
    expect(() => createVerifier(input as VerifierOptions)).toThrow(/- \(options\): Unrecognized keys: "optional", "allowQuery", "allowBody"/);

    const { verifier, guardOptions } = resolveAdapterOptions(input);
    expect(guardOptions).toStrictEqual({ optional: true, allowQuery: true, allowBody: false });
    expect(verifier.options.audiences).toEqual([issuer.audience]);
    expect(verifier.options.issuers).toEqual([issuer.issuer]);
    expect(verifier.options.clockTolerance).toBe(30);
    expect(verifier.options.realm).toBe('api');
    // The caller's object is left as it was.
    expect(input).toStrictEqual({ ...optionsFor(issuer.audience), optional: true, allowQuery: true, allowBody: false, clockTolerance: '30s' });
  });

  it('keeps realm in both: the verifier renders it, the guard overrides with it', () => {
    const { verifier, guardOptions } = resolveAdapterOptions({ ...optionsFor(issuer.audience), realm: 'orders', allowQuery: true });
    expect(verifier.options.realm).toBe('orders');
    expect(guardOptions).toStrictEqual({ allowQuery: true, realm: 'orders' });
  });

  it('plain verifier options give empty guard options', () => {
    expect(resolveAdapterOptions(optionsFor(issuer.audience)).guardOptions).toStrictEqual({});
  });

  it('a guard option given inside and beside the verifier options with different values is refused, not resolved silently', () => {
    expect(() => resolveAdapterOptions({ ...optionsFor(issuer.audience), allowQuery: true }, { allowQuery: false })).toThrow(
      'tollgate: allowQuery is given twice with different values (true in the options, false beside them); give it once',
    );
    expect(() => resolveAdapterOptions({ ...optionsFor(issuer.audience), realm: 'inner' }, { realm: 'outer' })).toThrow(TollgateConfigError);
    // The same value twice is no contradiction.
    expect(resolveAdapterOptions({ ...optionsFor(issuer.audience), optional: true }, { optional: true }).guardOptions).toStrictEqual({ optional: true });
  });

  it.each<[string, unknown, string]>([
    ['a misspelt key', { optinal: true }, '"optinal": not a guard option'],
    ['a verifier option beside a verifier', { issuer: 'https://other.example.test/' }, '"issuer": not a guard option'],
    ['a string for a switch', { optional: 'false' }, 'optional: must be true or false'],
    ['a non-ASCII realm', { realm: 'caf\u00e9' }, 'realm: must be printable ASCII text'],
  ])('guard options beside the options or a verifier are checked: %s', (_name, beside, message) => {
    expect(() => resolveAdapterOptions(verifierA, beside as never)).toThrow(TollgateConfigError);
    expect(() => resolveAdapterOptions(verifierA, beside as never)).toThrow(message);
    expect(() => resolveAdapterOptions(optionsFor(issuer.audience), beside as never)).toThrow(message);
  });

  it('a guard switch of the wrong type inside the options is refused too', () => {
    expect(() => resolveAdapterOptions({ ...optionsFor(issuer.audience), optional: 1 } as never)).toThrow('optional: must be true or false');
  });

  it('a Verifier instance passes through, with the guard options beside it', () => {
    const guardOptions = { optional: true, allowQuery: true, realm: 'beside' };
    const resolved = resolveAdapterOptions(verifierA, guardOptions);
    expect(resolved.verifier).toBe(verifierA);
    expect(resolved.guardOptions).toStrictEqual({ optional: true, allowQuery: true, realm: 'beside' });
    expect(resolveAdapterOptions(verifierA)).toStrictEqual({ verifier: verifierA, guardOptions: {} });
  });

  it.each<[string, unknown, RegExp]>([
    ['a missing audience', { issuer: 'https://auth.example.test/', optional: true }, /^\s+- audience: required: audience/m],
    ['an unknown option', { issuer: 'https://auth.example.test/', audience: 'x', allowHeader: true }, /^\s+- \(options\): Unrecognized key: "allowHeader"$/m],
    ['an http issuer', { issuer: 'http://auth.example.test/', audience: 'x', allowQuery: true }, /^\s+- issuer: 'http:\/\/auth\.example\.test\/' must be an https URL; allowInsecureRequests: true allows http on localhost, 127.0.0.1 and \[::1\] only; for a development issuer on another host \(a docker compose service\), name it: allowInsecureRequests: { hosts: \['auth.example.test'\] }/m],
    ['a symmetric algorithm', { issuer: 'https://auth.example.test/', audience: 'x', algorithms: ['HS256'] }, /^\s+- algorithms\.0: 'HS256' is symmetric/m],
    ['no options', undefined, /^tollgate: options are required: \{ issuer, audience \} at least$/],
    ['null', null, /^tollgate: options are required/],
  ])('bad verifier options throw a TollgateConfigError: %s', async (_name, input, message) => {
    const error = await rejection(() => resolveAdapterOptions(input as VerifierOptions));
    expect(error).toBeInstanceOf(TollgateConfigError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('bindRequests', () => {
  it('attaches the token through setAuth when the guard resolves one', async () => {
    const { access, attached } = callAccess();
    const run = bindRequests(access);
    const request = call(await issuer.sign({ scope: 'orders:read' }));
    await run(createGuard(verifierA), request);
    expect(attached).toHaveLength(1);
    expect(request.auth).toBe(attached[0]);
    expect(request.auth?.scopes).toEqual(['orders:read']);
  });

  it('does not call setAuth when no token resolved (optional, none sent): the request keeps what it had', async () => {
    const { access, attached } = callAccess();
    const run = bindRequests(access);
    const request = call(undefined, { auth: null });
    await run(createGuard(verifierA, { optional: true }), request);
    expect(attached).toEqual([]);
    expect(request.auth).toBeNull();
    expect(Object.keys(request)).toEqual(['headers', 'auth']);
  });

  it('propagates the guard\'s refusal without attaching anything', async () => {
    const { access, attached } = callAccess();
    const run = bindRequests(access);
    const request = call(await issuer.sign({ aud: AUDIENCE_B }));
    const error = await rejection(run(createGuard(verifierA), request));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect((error as InvalidTokenError).reason).toBe('audience');
    expect(attached).toEqual([]);
    expect(request.auth).toBeUndefined();
  });

  it('a second run on the same object gets the attached auth with the decision that attached it', async () => {
    const { access } = callAccess();
    const run = bindRequests(access);
    const { guard, states } = recording(createGuard(verifierA, { scopes: ['orders:read'] }));
    const request = call(await issuer.sign({ scope: 'orders:read' }));
    await run(guard, request);
    const first = request.auth;
    await run(guard, request);
    expect(states).toEqual([
      { auth: undefined, decision: undefined },
      { auth: first, decision: { verifier: verifierA, token: first, realm: undefined, scope: '', allowQuery: false, allowBody: false, preflight: false } },
    ]);
    expect(states[1]?.auth).toBe(first);
    expect(states[1]?.decision?.verifier).toBe(verifierA);
  });

  it('optional requireAuth that found nothing, then requireScope on the same request: 401, not a second authentication', async () => {
    const { access } = callAccess();
    const run = bindRequests(access);
    let authentications = 0;
    const counted: Verifier = {
      options: verifierA.options,
      verify: (jwt) => verifierA.verify(jwt),
      authenticate: (request, options) => {
        authentications += 1;
        return verifierA.authenticate(request, options);
      },
    };
    const request = call();
    await run(createGuard(counted, { optional: true }), request);
    expect(request.auth).toBeUndefined();
    const error = await rejection(run(createGuard(counted, { scopes: ['orders:read'] }), request));
    expect(error).toBeInstanceOf(MissingTokenError);
    expect(authentications).toBe(1);
  });

  it('different request objects are independent', async () => {
    const { access } = callAccess();
    const run = bindRequests(access);
    const { guard, states } = recording(createGuard(verifierA, { optional: true }));
    const one = call();
    const two = call();
    await run(guard, one);
    await run(guard, two);
    await run(guard, one);
    const optionalPass = { verifier: verifierA, token: undefined, realm: undefined, scope: '', allowQuery: false, allowBody: false, preflight: false };
    expect(states).toEqual([
      { auth: undefined, decision: undefined },
      { auth: undefined, decision: undefined },
      { auth: undefined, decision: optionalPass },
    ]);
  });

  it('a token attached by someone else (getAuth) reaches the guard as state.auth, and is not trusted', async () => {
    const { access, attached } = callAccess();
    const run = bindRequests(access);
    const earlier = await verifierA.verify(await issuer.sign({ scope: 'orders:read' }));
    const { guard, states } = recording(createGuard(verifierA, { scopes: ['orders:read'] }));
    const request = call(undefined, { auth: earlier });
    const error = await rejection(run(guard, request));
    expect(states).toEqual([{ auth: earlier, decision: undefined }]);
    // Nobody known to tollgate attached it, so the guard checked the request itself: the request
    // carries no token, so it is refused, and the token set by other code is not trusted.
    expect(error).toBeInstanceOf(MissingTokenError);
    expect(attached).toEqual([]);
  });
});

describe('queryIfPresent', () => {
  it("reads the query when the URL has one, or when query is the request's own property; never reads a getter for a URL without '?'", () => {
    let reads = 0;
    const parsed = { access_token: 'abc' };
    // Express 5 style: query is a getter on the prototype that parses the URL on every read.
    const prototype = { get query() { reads += 1; return parsed; } };
    const withQuery = Object.assign(Object.create(prototype) as object, { url: '/orders?access_token=abc' });
    const without = Object.assign(Object.create(prototype) as object, { url: '/orders' });
    expect(queryIfPresent(withQuery)).toBe(parsed);
    expect(queryIfPresent(without)).toBeUndefined();
    expect(reads).toBe(1);
    // Set by a parser, Fastify or user code on the request itself: always read, whatever the URL says.
    expect(queryIfPresent({ url: '/orders', query: parsed })).toBe(parsed);
    // No URL to go by: read.
    expect(queryIfPresent({ query: parsed })).toBe(parsed);
  });
});

describe('createMethodDecorator', () => {
  it('wraps each decorated method once, at class definition, and binds it per instance', () => {
    const wrapped: string[] = [];
    const Traced = createMethodDecorator<[label: string]>((method) => {
      wrapped.push(method.name);
      return function (this: unknown, label: string) {
        return `traced(${String(method.call(this, label))})`;
      };
    });

    class Greeter {
      constructor(readonly name: string) {}
      @Traced
      greet(label: string) {
        return `${this.name}:${label}`;
      }
      plain(label: string) {
        return `${this.name}:${label}`;
      }
    }
    expect(wrapped).toEqual(['greet']);

    const ada = new Greeter('ada');
    const bob = new Greeter('bob');
    expect(wrapped).toEqual(['greet']);
    const greetAda = ada.greet;
    const greetBob = bob.greet;
    expect(greetAda('x')).toBe('traced(ada:x)');
    expect(greetBob('y')).toBe('traced(bob:y)');
    expect(ada.greet).not.toBe(bob.greet);
    expect(Object.hasOwn(ada, 'greet')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(ada, 'greet')).toMatchObject({ writable: true, configurable: true });
    // Only decorated methods are bound: an undecorated one still loses `this` when detached.
    expect(Object.hasOwn(ada, 'plain')).toBe(false);
    const plain = ada.plain;
    expect(() => plain('z')).toThrow(TypeError);
    // The prototype holds the wrapper, so calling it with another `this` follows that `this`.
    expect(Greeter.prototype.greet.call(bob, 'p')).toBe('traced(bob:p)');
  });
});

describe('defineScopeDecorators on a class (TypeScript 5 standard decorators)', () => {
  const defaults = new DefaultConfiguration('@tollgate/example');
  const { access } = callAccess();
  const run = bindRequests(access);
  const invoked: string[] = [];
  const { RequireScope, RequireAnyScope } = defineScopeDecorators<[request: Call]>(defaults, async (guard, [request], proceed) => {
    invoked.push('guard');
    await run(guard, request);
    return proceed();
  });

  class Orders {
    static readonly label = 'Orders';
    calls = 0;
    #secret = 'private-state';
    constructor(readonly source: string) {}

    @RequireScope('orders:read')
    list(request: Call) {
      this.calls += 1;
      return { source: this.source, subject: request.auth?.subject, scopes: request.auth?.scopes };
    }

    @RequireAnyScope('orders:read', 'orders:admin')
    either(request: Call) {
      return { source: this.source, scopes: request.auth?.scopes };
    }

    @RequireScope('orders:admin')
    static summary(request: Call) {
      return { label: this.label, subject: request.auth?.subject };
    }

    @RequireScope('orders:admin')
    #purge(request: Call) {
      return { purgedBy: request.auth?.subject, secret: this.#secret, source: this.source };
    }

    purge(request: Call) {
      return this.#purge(request);
    }
  }

  beforeAll(() => {
    defaults.set(verifierA, {});
  });

  it('a method using `this` works when detached, after the guard passed', async () => {
    const orders = new Orders('orders-db');
    const list = orders.list;
    const result = await list(call(await issuer.sign({ scope: 'orders:read profile' })));
    expect(result).toEqual({ source: 'orders-db', subject: 'client-123', scopes: ['orders:read', 'profile'] });
    expect(orders.calls).toBe(1);
    const either = orders.either;
    expect(await either(call(await issuer.sign({ scope: 'orders:admin' })))).toEqual({ source: 'orders-db', scopes: ['orders:admin'] });
  });

  it('each instance\'s detached method keeps its own `this`', async () => {
    const a = new Orders('db-a');
    const b = new Orders('db-b');
    const [listA, listB] = [a.list, b.list];
    const jwt = await issuer.sign({ scope: 'orders:read' });
    expect((await listB(call(jwt))).source).toBe('db-b');
    expect((await listA(call(jwt))).source).toBe('db-a');
    expect([a.calls, b.calls]).toEqual([1, 1]);
  });

  it('refuses before the method runs: 403 without the scope, 401 without a token', async () => {
    const orders = new Orders('orders-db');
    const list = orders.list;
    const lacking = await rejection(list(call(await issuer.sign({ scope: 'profile' }))));
    expect(lacking).toBeInstanceOf(InsufficientScopeError);
    expect((lacking as InsufficientScopeError).wwwAuthenticate()).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    );
    expect(await rejection(list(call()))).toBeInstanceOf(MissingTokenError);
    const either = orders.either;
    const none = await rejection(either(call(await issuer.sign({ scope: 'profile' }))));
    expect((none as InsufficientScopeError).wwwAuthenticate()).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks any of the required scopes", scope="orders:read orders:admin"',
    );
    expect(orders.calls).toBe(0);
  });

  it('a static method is guarded and bound to its class', async () => {
    const summary = Orders.summary;
    expect(await summary(call(await issuer.sign({ scope: 'orders:admin' })))).toEqual({ label: 'Orders', subject: 'client-123' });
    expect(await rejection(summary(call(await issuer.sign({ scope: 'orders:read' }))))).toBeInstanceOf(InsufficientScopeError);
  });

  it('a private #method is wrapped (guarded) but not bound: nothing is added to the instance', async () => {
    const orders = new Orders('orders-db');
    expect(Object.getOwnPropertyNames(orders).sort()).toEqual(['calls', 'either', 'list', 'source']);
    expect(await orders.purge(call(await issuer.sign({ scope: 'orders:admin' })))).toEqual({
      purgedBy: 'client-123',
      secret: 'private-state',
      source: 'orders-db',
    });
    const before = invoked.length;
    expect(await rejection(orders.purge(call(await issuer.sign({ scope: 'orders:read' }))))).toBeInstanceOf(InsufficientScopeError);
    expect(invoked.length).toBe(before + 1);
  });

  it('decorating a private method does not throw at class definition or construction', () => {
    const define = () => {
      class Private {
        @RequireScope('a')
        #hidden(_request: Call) {
          return 'hidden';
        }
        @RequireAnyScope('a', 'b')
        static #hiddenStatic(_request: Call) {
          return 'static hidden';
        }
        reach() {
          return [this.#hidden, Private.#hiddenStatic];
        }
      }
      return new Private();
    };
    expect(define).not.toThrow();
    expect(define().reach().map((fn) => typeof fn)).toEqual(['function', 'function']);
  });

  it('an invalid scope name throws a TollgateConfigError naming the decorator, at class definition', () => {
    expect(() => RequireScope('orders read')).toThrow(TollgateConfigError);
    expect(() => RequireScope('orders read')).toThrow('@RequireScope: "orders read" is not a valid scope');
    expect(() => RequireAnyScope('ok', 'x"y')).toThrow('@RequireAnyScope: "x\\"y" is not a valid scope');
  });

  it('uses the defaults at call time: an unconfigured DefaultConfiguration fails closed', async () => {
    const empty = new DefaultConfiguration('@tollgate/example');
    const decorators = defineScopeDecorators<[request: Call]>(empty, async (guard, [request], proceed) => {
      await run(guard, request);
      return proceed();
    });
    let ran = false;
    class Late {
      @decorators.RequireScope('orders:read')
      handle(_request: Call) {
        ran = true;
        return 'ran';
      }
    }
    const handle = new Late().handle;
    const jwt = await issuer.sign({ scope: 'orders:read' });
    const error = await rejection(handle(call(jwt)));
    expect(error).toBeInstanceOf(TollgateConfigError);
    expect((error as Error).message).toBe(
      '@tollgate/example: requireScope() has no verifier: call configure({ issuer, audience }) or use requireAuth({ issuer, audience }) before it',
    );
    expect(ran).toBe(false);
    empty.set(verifierA, {});
    expect(await handle(call(jwt))).toBe('ran');
  });
});

describe('defineMiddleware', () => {
  interface Made {
    kind: 'middleware';
    guard: Guard;
  }
  function factories() {
    const defaults = new DefaultConfiguration('@tollgate/example');
    const made: Made[] = [];
    const middleware = defineMiddleware<Made>(defaults, (guard) => {
      const result: Made = { kind: 'middleware', guard };
      made.push(result);
      return result;
    });
    return { defaults, made, middleware };
  }
  const run = (m: Made, jwt?: string, extra: Partial<Call> = {}) => {
    const { access } = callAccess();
    const request = call(jwt, extra);
    return bindRequests(access)(m.guard, request).then(() => request.auth);
  };

  it('configure returns the verifier and sets it with the guard options; no middleware is made', () => {
    const { defaults, made, middleware } = factories();
    const verifier = middleware.configure({ ...optionsFor(issuer.audience), allowQuery: true, realm: 'configured' });
    expect(defaults.verifier()).toBe(verifier);
    expect(verifier.options.audiences).toEqual([issuer.audience]);
    expect(verifier.options.realm).toBe('configured');
    expect(defaults.guardOptions).toStrictEqual({ allowQuery: true, realm: 'configured' });
    expect(made).toEqual([]);
    expect(middleware.configure(verifierA, { allowBody: true })).toBe(verifierA);
    expect(defaults.verifier()).toBe(verifierA);
    expect(defaults.guardOptions).toStrictEqual({ allowBody: true });
  });

  it('configure with bad options throws and keeps the earlier configuration', () => {
    const { defaults, middleware } = factories();
    middleware.configure(verifierA);
    expect(() => middleware.configure({ issuer: issuer.issuer } as VerifierOptions)).toThrow(TollgateConfigError);
    expect(defaults.verifier()).toBe(verifierA);
  });

  it('requireAuth returns what toMiddleware returns, for a guard on its own verifier and options', async () => {
    const { made, middleware } = factories();
    const optional = middleware.requireAuth({ ...optionsFor(AUDIENCE_B), optional: true });
    expect(made).toHaveLength(1);
    expect(optional).toBe(made[0]);
    expect(await run(optional)).toBeUndefined();
    expect((await run(optional, await issuer.sign({ aud: AUDIENCE_B, scope: 'x' })))?.audience).toEqual([AUDIENCE_B]);
    const wrongAudience = await rejection(run(optional, await issuer.sign({ scope: 'x' })));
    expect((wrongAudience as InvalidTokenError).reason).toBe('audience');

    const required = middleware.requireAuth(verifierA, { allowQuery: true });
    expect(required).toBe(made[1]);
    expect(await rejection(run(required))).toBeInstanceOf(MissingTokenError);
    expect((await run(required, undefined, { query: { access_token: await issuer.sign({ scope: 'x' }) } }))?.scopes).toEqual(['x']);
  });

  it('requireAuth lends nothing module-wide: the defaults stay unset until configure(); only configure() writes them', async () => {
    const { defaults, middleware } = factories();
    middleware.requireAuth({ ...optionsFor(AUDIENCE_B), realm: 'b', allowQuery: true, optional: true });
    expect(() => defaults.verifier()).toThrow(TollgateConfigError);
    expect(defaults.guardOptions).toStrictEqual({});
    const configured = middleware.configure(verifierA);
    middleware.requireAuth({ ...optionsFor(AUDIENCE_B), realm: 'later' });
    expect(defaults.verifier()).toBe(configured);
    expect(defaults.guardOptions).toStrictEqual({});
  });

  it('requireScope() and requireAnyScope() with no scope are refused at creation', () => {
    const { middleware } = factories();
    expect(() => middleware.requireScope()).toThrow('requireScope: names no scope; an empty list would admit any token');
    expect(() => middleware.requireAnyScope()).toThrow('requireAnyScope: names no scope; an empty list would admit any token');
  });

  it('requireScope and requireAnyScope return what toMiddleware returns, checking all or any against the defaults', async () => {
    const { made, middleware } = factories();
    // Made before any configuration: the defaults are read per request.
    const all = middleware.requireScope('orders:read', 'orders:write');
    const any = middleware.requireAnyScope('orders:read', 'orders:write');
    expect([all, any]).toEqual([made[0], made[1]]);
    expect(all).toBe(made[0]);
    expect(any).toBe(made[1]);
    const jwt = await issuer.sign({ scope: 'orders:write' });
    expect(await rejection(run(all, jwt))).toBeInstanceOf(TollgateConfigError);

    middleware.configure(verifierA);
    expect((await rejection(run(all, jwt)) as InsufficientScopeError).wwwAuthenticate()).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read orders:write"',
    );
    expect((await run(any, jwt))?.scopes).toEqual(['orders:write']);
    expect((await run(all, await issuer.sign({ scope: 'orders:write orders:read' })))?.subject).toBe('client-123');
  });

  it('invalid scope names throw at creation, naming the factory', () => {
    const { made, middleware } = factories();
    expect(() => middleware.requireScope('ok', 'a b')).toThrow('requireScope: "a b" is not a valid scope');
    expect(() => middleware.requireAnyScope('')).toThrow('requireAnyScope: "" is not a valid scope');
    expect(made).toEqual([]);
  });
});
