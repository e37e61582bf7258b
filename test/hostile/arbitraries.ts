// fast-check arbitraries for the fuzzers: raw strings, hostile headers and claims (as symbolic specs that
// name "the signing key's kid" rather than a kid, so counterexamples read well and need no live keys),
// mutations of valid tokens and Authorization lines; plus `materialize`, which signs a spec with real keys.
import { createHmac, KeyObject } from 'node:crypto';
import fc from 'fast-check';
import type { TestSigningKey } from '@tollgate/testing';
import { b64url, jwsSign } from './build-token.js';
import type { Signer, TokenFacts } from './oracle.js';

/** The live world a spec is materialized in. */
export interface FuzzWorld {
  issuer: string;
  audience: string;
  nowSeconds: number;
  /** The issuer's published keys, and an attacker's key of the same algorithm at the same index. */
  issuerKeys: readonly TestSigningKey[];
  attackerKeys: readonly TestSigningKey[];
}

/** A value chosen relative to the world: the signing key's alg or kid, another key's, or a literal. */
type Choice<Name extends string> = { use: Name } | { literal: unknown };

/** A token to build: which key, who signs, and symbolic header and claims. */
export interface TokenSpec {
  keyIndex: number;
  signer: Signer;
  header: {
    alg: Choice<'own'>;
    kid: Choice<'own' | 'absent' | 'other-issuer-key' | 'attacker'>;
    typ: unknown;
    crit: unknown;
    extras: Record<string, unknown>;
  };
  claims: {
    /** `undefined` everywhere below means the member is absent. */
    iss: Choice<'issuer'> | undefined;
    aud: Choice<'audience' | 'audience-in-list' | 'audience-with-number'> | undefined;
    /** Seconds from now, or a literal of any type. */
    exp: Choice<never> | { from: number } | undefined;
    nbf: Choice<never> | { from: number } | undefined;
    iat: Choice<never> | { from: number } | undefined;
    scope: unknown;
    scp: unknown;
    cnf: unknown;
    sub: unknown;
    client_id: unknown;
    extras: Record<string, unknown>;
  };
}

const ALGS = ['none', 'None', 'HS256', 'HS512', 'RS256', 'PS256', 'ES256', 'EdDSA', 'RS384', 'ES512', 'Ed25519', 'XS256', ''];
const TYPS = ['at+jwt', 'application/at+jwt', 'AT+JWT', 'JWT', 'jwt', 'application/jwt', 'dpop+jwt', 'logout+jwt', 'JOSE', ''];
// Header members whose meaning the spec controls itself; random extras never use them.
const RESERVED_HEADER = new Set(['alg', 'kid', 'typ', 'crit', 'b64']);
const RESERVED_CLAIMS = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'scope', 'scp', 'cnf', 'sub', 'client_id']);

/** Small JSON values of every type. */
const anyJson = (): fc.Arbitrary<unknown> => fc.jsonValue({ maxDepth: 2 });
const literal = <T>(arb: fc.Arbitrary<T>) => arb.map((value) => ({ literal: value as unknown }));
const extras = (reserved: Set<string>) =>
  fc.dictionary(
    fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('jku', 'x5u', 'jwk', 'x5c', 'zip', '__proto__', 'constructor', 'cty', 'enc')),
    anyJson(),
    { maxKeys: 3, noNullPrototype: true },
  ).map((record) => Object.fromEntries(Object.entries(record).filter(([name]) => !reserved.has(name))));
/** A hostile NumericDate: mostly seconds from now, sometimes any JSON value or an extreme number. */
const numericDate = (near: fc.Arbitrary<number>) =>
  fc.oneof(
    { weight: 6, arbitrary: near.map((from) => ({ from })) },
    { weight: 1, arbitrary: literal(fc.constantFrom(0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 5e-324)) },
    { weight: 1, arbitrary: literal(fc.double()) },
    { weight: 1, arbitrary: literal(anyJson()) },
  );
const scopeValue = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.array(fc.constantFrom('orders:read', 'orders:write', 'profile', 'a', 'b', ''), { maxLength: 4 }).map((items) => items.join(' ')),
  },
  // The array form some issuers send: members with a space or empty ones make the claim invalid.
  { weight: 1, arbitrary: fc.array(fc.constantFrom('orders:read', 'orders:write', 'a', 'b', '', 'a b', 7), { maxLength: 4 }) },
  { weight: 1, arbitrary: anyJson() },
);

/** `arb`, or `undefined` (an absent member) with odds `absent` : `present`. */
const sometimes = <T>(arb: fc.Arbitrary<T>, absent: number, present: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: absent, arbitrary: fc.constant(undefined) }, { weight: present, arbitrary: arb });

/** The header part of a {@link TokenSpec}: biased towards a header that fits its key, so acceptance is exercised. */
export const headerSpec: fc.Arbitrary<TokenSpec['header']> = fc.record({
  alg: fc.oneof(
    { weight: 6, arbitrary: fc.constant({ use: 'own' as const }) },
    { weight: 3, arbitrary: literal(fc.constantFrom(...ALGS)) },
    { weight: 1, arbitrary: literal(anyJson()) },
  ),
  kid: fc.oneof(
    { weight: 5, arbitrary: fc.constant({ use: 'own' as const }) },
    { weight: 2, arbitrary: fc.constant({ use: 'absent' as const }) },
    { weight: 1, arbitrary: fc.constantFrom({ use: 'other-issuer-key' as const }, { use: 'attacker' as const }) },
    { weight: 1, arbitrary: literal(anyJson()) },
  ),
  typ: sometimes(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...TYPS) }, { weight: 1, arbitrary: anyJson() }), 2, 3),
  crit: sometimes(fc.oneof(fc.constant(['exp']), fc.constant([]), anyJson()), 12, 1),
  extras: extras(RESERVED_HEADER),
});

/** The claims part of a {@link TokenSpec}: every claim may be absent; most are well-typed and near now. */
export const claimsSpec: fc.Arbitrary<TokenSpec['claims']> = fc.record({
  iss: sometimes(
    fc.oneof({ weight: 8, arbitrary: fc.constant({ use: 'issuer' as const }) }, { weight: 1, arbitrary: literal(fc.oneof(fc.string(), anyJson())) }),
    1,
    12,
  ),
  aud: sometimes(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom({ use: 'audience' as const }, { use: 'audience-in-list' as const }) },
      { weight: 1, arbitrary: fc.constant({ use: 'audience-with-number' as const }) },
      {
        weight: 1,
        arbitrary: literal(
          fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.constant(null), fc.integer(), fc.dictionary(fc.string(), fc.string())),
        ),
      },
    ),
    1,
    12,
  ),
  exp: sometimes(numericDate(fc.integer({ min: -1000, max: 100_000 })), 1, 12),
  nbf: sometimes(numericDate(fc.integer({ min: -1000, max: 60 })), 2, 1),
  iat: sometimes(numericDate(fc.integer({ min: -100_000, max: 60 })), 1, 2),
  scope: sometimes(scopeValue, 1, 1),
  scp: sometimes(fc.oneof(fc.array(fc.constantFrom('orders:read', 'x', ''), { maxLength: 3 }), anyJson()), 3, 1),
  cnf: sometimes(anyJson(), 12, 1),
  sub: sometimes(fc.oneof(fc.string(), anyJson()), 1, 2),
  client_id: sometimes(fc.oneof(fc.string(), anyJson()), 1, 2),
  extras: extras(RESERVED_CLAIMS),
});

/**
 * A whole signed-token spec; `signers` says who may sign.
 * @example fc.asyncProperty(tokenSpec(issuer.keys.length, fc.constant('attacker')), async (spec) => { ... })
 */
export function tokenSpec(keyCount: number, signers: fc.Arbitrary<Signer>): fc.Arbitrary<TokenSpec> {
  return fc.record({ keyIndex: fc.nat({ max: keyCount - 1 }), signer: signers, header: headerSpec, claims: claimsSpec });
}

/**
 * Builds and signs a spec with real keys; returns the token and the facts the oracle judges it by.
 * @example const { token, facts } = materialize(world, spec); expectedVerdict(facts, rules);
 */
export function materialize(world: FuzzWorld, spec: TokenSpec): { token: string; facts: TokenFacts } {
  const own = world.issuerKeys[spec.keyIndex]!;
  const signingKey = spec.signer === 'attacker' ? world.attackerKeys[spec.keyIndex]! : own;
  const header: Record<string, unknown> = {};
  header.alg = 'use' in spec.header.alg ? signingKey.alg : spec.header.alg.literal;
  const kid = spec.header.kid;
  if ('literal' in kid) header.kid = kid.literal;
  else if (kid.use === 'own') header.kid = signingKey.kid;
  else if (kid.use === 'other-issuer-key') header.kid = world.issuerKeys[(spec.keyIndex + 1) % world.issuerKeys.length]!.kid;
  else if (kid.use === 'attacker') header.kid = world.attackerKeys[spec.keyIndex]!.kid;
  if (spec.header.typ !== undefined) header.typ = spec.header.typ;
  if (spec.header.crit !== undefined) header.crit = spec.header.crit;
  // Defined, not assigned: an extra "__proto__" member must stay a member, as JSON.parse would make it.
  for (const [name, value] of Object.entries(spec.header.extras)) {
    Object.defineProperty(header, name, { value, enumerable: true, writable: true, configurable: true });
  }

  const claims: Record<string, unknown> = { ...spec.claims.extras };
  const resolve = (value: Choice<string> | { from: number } | undefined): unknown => {
    if (value === undefined) return undefined;
    if ('from' in value) return world.nowSeconds + value.from;
    if ('literal' in value) return value.literal;
    switch (value.use) {
      case 'issuer':
        return world.issuer;
      case 'audience':
        return world.audience;
      case 'audience-in-list':
        return ['https://other.example.test', world.audience];
      default:
        return [world.audience, 1];
    }
  };
  for (const name of ['iss', 'aud', 'exp', 'nbf', 'iat'] as const) {
    const value = resolve(spec.claims[name]);
    if (value !== undefined) claims[name] = value;
  }
  for (const name of ['scope', 'scp', 'cnf', 'sub', 'client_id'] as const) if (spec.claims[name] !== undefined) claims[name] = spec.claims[name];

  const headerJson = JSON.stringify(header);
  const claimsJson = JSON.stringify(claims);
  const input = `${b64url(headerJson)}.${b64url(claimsJson)}`;
  let signature = '';
  if (spec.signer === 'issuer' || spec.signer === 'attacker') signature = jwsSign(signingKey, input);
  else if (spec.signer === 'garbage') signature = b64url(`garbage-${input.length}`);
  else if (spec.signer === 'hmac') {
    const pem = KeyObject.from(own.publicKey as unknown as Parameters<typeof KeyObject.from>[0]).export({ type: 'spki', format: 'pem' });
    signature = createHmac('sha256', pem).update(input).digest('base64url');
  }
  const token = `${input}.${signature}`;
  return {
    token,
    facts: {
      signer: spec.signer,
      key: { alg: signingKey.alg, kid: signingKey.kid },
      header: JSON.parse(headerJson),
      claims: JSON.parse(claimsJson),
      length: token.length,
    },
  };
}

const B64URL_CHARS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'];

/** Strings a client could send as a token: any characters, base64url runs with dots, or JSON of any shape in three segments. */
export const rawToken: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(...B64URL_CHARS, '.', '=', '+', '/', '~'), maxLength: 400 }),
  fc
    .tuple(anyJson(), anyJson(), fc.string({ unit: fc.constantFrom(...B64URL_CHARS), maxLength: 100 }))
    .map(([header, payload, signature]) => `${b64url(JSON.stringify(header) ?? '')}.${b64url(JSON.stringify(payload) ?? '')}.${signature}`),
  fc
    .tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 80 }))
    .map(([header, payload]) => `${b64url(header)}.${b64url(payload)}.`),
);

/**
 * One edit to a token's text. `at` is taken modulo the text length when applied, counted from the end when
 * negative; `segment-end` edits the last characters of a segment, where base64url keeps its spare bits.
 */
export type Edit =
  | { kind: 'replace' | 'insert'; at: number; char: string }
  | { kind: 'segment-end'; segment: number; back: number; char: string }
  | { kind: 'delete' | 'truncate'; at: number }
  | { kind: 'swap-segments'; a: number; b: number }
  | { kind: 'duplicate-segment'; segment: number };

const position = fc.oneof(fc.nat(), fc.integer({ min: -4, max: -1 }));
const editChar = fc.constantFrom(...B64URL_CHARS, '.', '=', '+', '/', ' ', '\u00e9');
/** One to three edits. */
export const edits: fc.Arbitrary<Edit[]> = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('replace' as const, 'insert' as const), at: position, char: editChar }) },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('segment-end' as const), segment: fc.nat({ max: 2 }), back: fc.nat({ max: 2 }), char: editChar }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('delete' as const, 'truncate' as const), at: position }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('swap-segments' as const), a: fc.nat({ max: 2 }), b: fc.nat({ max: 2 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate-segment' as const), segment: fc.nat({ max: 2 }) }) },
  ),
  { minLength: 1, maxLength: 3 },
);

/**
 * Applies edits to a token.
 * @example applyEdits('aa.bb.cc', [{ kind: 'swap-segments', a: 0, b: 1 }]) // 'bb.aa.cc'
 */
export function applyEdits(token: string, list: readonly Edit[]): string {
  let text = token;
  for (const edit of list) {
    const length = Math.max(1, text.length);
    const at = 'at' in edit ? ((edit.at % length) + length) % length : 0;
    switch (edit.kind) {
      case 'replace':
        text = text.slice(0, at) + edit.char + text.slice(at + 1);
        break;
      case 'insert':
        text = text.slice(0, at) + edit.char + text.slice(at);
        break;
      case 'segment-end': {
        const parts = text.split('.');
        const part = parts[edit.segment];
        if (part !== undefined && part.length > edit.back) {
          const i = part.length - 1 - edit.back;
          parts[edit.segment] = part.slice(0, i) + edit.char + part.slice(i + 1);
        }
        text = parts.join('.');
        break;
      }
      case 'delete':
        text = text.slice(0, at) + text.slice(at + 1);
        break;
      case 'truncate':
        text = text.slice(0, at);
        break;
      case 'swap-segments': {
        const parts = text.split('.');
        const a = parts[edit.a];
        const b = parts[edit.b];
        if (a !== undefined && b !== undefined) [parts[edit.a], parts[edit.b]] = [b, a];
        text = parts.join('.');
        break;
      }
      case 'duplicate-segment': {
        const parts = text.split('.');
        const part = parts[edit.segment];
        if (part !== undefined) parts.splice(edit.segment, 0, part);
        text = parts.join('.');
        break;
      }
    }
  }
  return text;
}

/**
 * The parts of an Authorization line around a token: prefix, scheme, separator and suffix of every kind,
 * printable ASCII when `ascii`.
 * @example authorizationLine(true).map((p) => `${p.prefix}${p.scheme}${p.separator}${token}${p.suffix}`)
 * @see RFC 6750 section 2.1
 */
export function authorizationLine(ascii: boolean): fc.Arbitrary<{ scheme: string; separator: string; suffix: string; prefix: string }> {
  const odd = ascii
    ? fc.string({ unit: 'binary-ascii', maxLength: 3 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''))
    : fc.string({ unit: 'binary', maxLength: 3 });
  return fc.record({
    prefix: fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(' ', '\t') }, { weight: 1, arbitrary: odd }),
    scheme: fc.oneof(fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'DPoP', 'Token', 'Bearer,', ''), odd),
    separator: fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(' ', '  ') },
      { weight: 2, arbitrary: fc.constantFrom('\t', '', ',', '=', ': ') },
      { weight: 1, arbitrary: odd },
    ),
    suffix: fc.oneof(
      { weight: 6, arbitrary: fc.constant('') },
      { weight: 2, arbitrary: fc.constantFrom(' ', '=', '==', ' x', ',', '\t') },
      { weight: 1, arbitrary: odd },
    ),
  });
}
