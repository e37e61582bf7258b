// The shape of one case of the bad-token corpus (test/hostile/corpus/*.json), and the loader that checks it.
import { readdirSync, readFileSync } from 'node:fs';
import type { VerifierKind } from './verifier-options.js';

/** A run of `count` copies of `repeat`, between an optional prefix and suffix. */
export interface Repeat {
  repeat: string;
  count: number;
  prefix?: string;
  suffix?: string;
}

/**
 * A string; or a long one described by a repeat directive, so that a 1 MB token stays a one-line recipe;
 * or a list of those, concatenated.
 * @example [{ "repeat": "[", "count": 50000, "prefix": "{\"n\":" }, { "repeat": "]", "count": 50000, "suffix": "}" }]
 */
export type Text = string | Repeat | readonly (string | Repeat)[];

/** Signature modes of a recipe; see build-token.ts for what each one signs. */
export const SIGN_MODES = [
  'valid', 'attacker', 'none', 'garbage', 'zero', 'hmac-pem', 'hmac-jwk', 'hmac-der', 'b64-false', 'pss-salt-zero', 'pss-salt-max', 'ecdsa-der',
] as const;
export type SignMode = (typeof SIGN_MODES)[number];

/** Which issuer key signs (and fills `$kid`). */
export const KEY_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type KeyAlg = (typeof KEY_ALGS)[number];

/** Edits applied in order to the built token (segments are split on '.'). */
export type Mutation =
  | { op: 'flipSignature' }
  /** `encode`: the text is JSON to base64url-encode (placeholders expanded), not the segment itself. */
  | { op: 'setSegment'; index: number; text: Text; encode?: boolean }
  | { op: 'appendSegment'; text: Text }
  | { op: 'removeSegment'; index: number }
  | { op: 'insert'; segment: number; at: number; text: string }
  | { op: 'replace'; segment?: number; from: string; to: string }
  | { op: 'append'; text: Text }
  | { op: 'prepend'; text: Text }
  | { op: 'replacePayload'; payload: Record<string, unknown> }
  | { op: 'replaceHeader'; header: Record<string, unknown> }
  | { op: 'swapSignature' }
  | { op: 'nonCanonicalEnd'; segment: number }
  /** Ed25519: S + L, the same signature for a verifier that skips RFC 8032's check that S < L. */
  | { op: 'ed25519AddOrder' };
export const MUTATION_OPS = [
  'flipSignature', 'setSegment', 'appendSegment', 'removeSegment', 'insert', 'replace', 'append', 'prepend',
  'replacePayload', 'replaceHeader', 'swapSignature', 'nonCanonicalEnd', 'ed25519AddOrder',
] as const satisfies readonly Mutation['op'][];

/** How a token is made: data only, turned into a token by build-token.ts against the run's live issuer. */
export interface Recipe {
  /** The whole token, as is (placeholders expanded). */
  raw?: Text;
  /** Header members merged over `{ alg, kid, typ: "at+jwt" }` of the signing key; `"$omit"` removes one. */
  header?: unknown;
  /** Header used as given, not merged. */
  bareHeader?: boolean;
  /** The header's JSON text, byte for byte (duplicate keys, bad syntax). */
  headerRaw?: Text;
  /** The header segment itself (already base64url, or deliberately not). */
  headerB64?: Text;
  /** Claims merged over valid defaults (iss, aud, sub, client_id, iat, exp, jti); `"$omit"` removes one. */
  payload?: unknown;
  barePayload?: boolean;
  payloadRaw?: Text;
  payloadB64?: Text;
  /** How headerRaw/payloadRaw become bytes: `latin1` makes one byte per character (invalid UTF-8). */
  rawEncoding?: 'utf8' | 'latin1';
  /** Which issuer key signs. Default RS256. */
  key?: KeyAlg;
  /** Default `valid`. */
  sign?: SignMode;
  mutate?: Mutation[];
}

/**
 * The refusal a case expects. `code: null` is a request without bearer credentials (none, or another
 * scheme's): 401 with a bare challenge (RFC 6750 section 3.1), and an optional route lets it through.
 */
export interface Expectation {
  status: 400 | 401;
  code: 'invalid_request' | 'invalid_token' | 'invalid_dpop_proof' | null;
  /** The fine-grained reason, where it is stable. */
  reason?: string;
}

/** One corpus case. */
export interface CorpusCase extends Recipe {
  id: string;
  family: string;
  description: string;
  /** The Authorization line; `$token` is the built token. Default `Bearer $token`. */
  authorization?: Text;
  /**
   * Which verifier configuration: `wide` raises maxTokenLength to 1 MiB so big tokens get parsed; `strict`
   * sets `strict: true` (RFC 9068). Default `default`.
   */
  verifier?: VerifierKind;
  /** The answer to a request carrying this Authorization line (core `authenticate` and every adapter). */
  expect: Expectation;
  /**
   * What `verify(token)` must do with the token alone, when that differs from `expect` (a 400 is about the
   * header line, so the token alone is either a 401 or, for a line-only problem, a valid token).
   */
  verify?: Expectation | 'valid-token';
  /** When Node's HTTP parser answers before any framework sees the request (oversized or illegal bytes). */
  http?: { status: 400 | 431; layer: 'node' };
  /**
   * A known core bug: the case states the correct answer, and the runner marks the paths where the bug shows
   * `it.fails` (those that use `expect`; verify(token) too unless the case gives its own `verify`; HTTP unless
   * Node refuses first), so the suite stays green until core is fixed, then the marker must go. Says what
   * core does instead.
   */
  knownBug?: string;
}

// A Record, so that a kind added to VerifierKind must be added here (the type import loads no app).
const KNOWN_VERIFIERS: Record<VerifierKind, true> = { default: true, wide: true, strict: true };

const FIELDS = new Set([
  'id', 'family', 'description', 'authorization', 'verifier', 'expect', 'verify', 'http', 'knownBug',
  'raw', 'header', 'bareHeader', 'headerRaw', 'headerB64', 'payload', 'barePayload', 'payloadRaw', 'payloadB64',
  'rawEncoding', 'key', 'sign', 'mutate',
]);

function checkExpectation(value: unknown, where: string): void {
  const e = value as Expectation;
  const pairs = [
    [400, 'invalid_request'],
    [401, 'invalid_token'],
    // The DPoP scheme (RFC 9449 section 7.1) without a valid proof.
    [401, 'invalid_dpop_proof'],
    [401, null],
  ];
  if (typeof e !== 'object' || e === null || !pairs.some(([status, code]) => e.status === status && e.code === code)) {
    throw new Error(`${where}: expect must be { status: 400, code: invalid_request }, { status: 401, code: invalid_token }, { status: 401, code: invalid_dpop_proof } or { status: 401, code: null }`);
  }
}

/**
 * Checks a case's shape; a typo in a recipe fails loudly instead of building some other token.
 * @example checkCase(JSON.parse(text)[0], '01-base64url.json')
 */
export function checkCase(value: unknown, file: string): CorpusCase {
  const c = value as CorpusCase;
  const where = `${file}: ${typeof c?.id === 'string' ? c.id : '(no id)'}`;
  if (typeof c !== 'object' || c === null) throw new Error(`${where}: not an object`);
  for (const key of Object.keys(c)) if (!FIELDS.has(key)) throw new Error(`${where}: unknown field ${key}`);
  for (const key of ['id', 'family', 'description'] as const) {
    if (typeof c[key] !== 'string' || c[key].length === 0) throw new Error(`${where}: ${key} is required`);
  }
  checkExpectation(c.expect, where);
  if (c.verify !== undefined && c.verify !== 'valid-token') checkExpectation(c.verify, `${where} (verify)`);
  if ((c.expect.status === 400 || c.expect.code === null) && c.verify === undefined) {
    throw new Error(`${where}: a case about the Authorization line (400, or no bearer credentials) must say what verify(token) does`);
  }
  if (c.sign !== undefined && !(SIGN_MODES as readonly string[]).includes(c.sign)) throw new Error(`${where}: unknown sign ${c.sign}`);
  if (c.key !== undefined && !(KEY_ALGS as readonly string[]).includes(c.key)) throw new Error(`${where}: unknown key ${c.key}`);
  if (c.verifier !== undefined && !Object.hasOwn(KNOWN_VERIFIERS, c.verifier)) throw new Error(`${where}: unknown verifier ${String(c.verifier)}`);
  for (const m of c.mutate ?? []) {
    if (!(MUTATION_OPS as readonly string[]).includes(m.op)) throw new Error(`${where}: unknown mutation ${String(m.op)}`);
  }
  const headerForms = [c.header !== undefined, c.headerRaw !== undefined, c.headerB64 !== undefined].filter(Boolean).length;
  const payloadForms = [c.payload !== undefined, c.payloadRaw !== undefined, c.payloadB64 !== undefined].filter(Boolean).length;
  if (headerForms > 1 || payloadForms > 1) throw new Error(`${where}: give at most one form of the header and of the payload`);
  if (c.raw !== undefined && (headerForms || payloadForms || c.sign)) throw new Error(`${where}: raw excludes other recipe fields`);
  return c;
}

/**
 * Every case of every corpus file, in file order; ids are unique across files.
 * @example const cases = loadCorpus(); // 456 cases from test/hostile/corpus/*.json
 */
export function loadCorpus(directory = new URL('./corpus/', import.meta.url)): CorpusCase[] {
  const files = readdirSync(directory).filter((name) => name.endsWith('.json')).sort();
  const cases: CorpusCase[] = [];
  const ids = new Set<string>();
  for (const file of files) {
    const parsed: unknown = JSON.parse(readFileSync(new URL(file, directory), 'utf8'));
    if (!Array.isArray(parsed)) throw new Error(`${file}: expected an array of cases`);
    for (const item of parsed) {
      const c = checkCase(item, file);
      if (ids.has(c.id)) throw new Error(`${file}: duplicate id ${c.id}`);
      ids.add(c.id);
      cases.push(c);
    }
  }
  return cases;
}
