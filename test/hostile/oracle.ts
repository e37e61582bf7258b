// The fuzzers' oracle: from what a token really is (who signed it, its parsed header and claims), whether a
// verifier with the default options must accept it. Written from RFC 7519/7515/9068 and design.md, not from core.

/** Who produced the signature of a fuzzed token. */
export type Signer = 'issuer' | 'attacker' | 'none' | 'garbage' | 'hmac';

/** What the oracle needs to know about a fuzzed token. */
export interface TokenFacts {
  signer: Signer;
  /** The algorithm and kid of the key that signed (for `issuer` and `attacker`). */
  key: { alg: string; kid: string };
  /** Header and claims as a JSON parser sees them (after JSON.stringify + JSON.parse). */
  header: unknown;
  claims: unknown;
  length: number;
}

/** The verifier's rules, as configured in the fuzz suite. */
export interface Rules {
  issuer: string;
  audience: string;
  nowSeconds: number;
  clockTolerance: number;
  algorithms: readonly string[];
  maxTokenLength: number;
}

/**
 * The defaults of design.md, for an issuer and audience.
 * @example defaultRules(issuer.issuer, issuer.audience, NOW_SECONDS).clockTolerance // 5
 */
export function defaultRules(issuer: string, audience: string, nowSeconds: number): Rules {
  return { issuer, audience, nowSeconds, clockTolerance: 5, algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'], maxTokenLength: 8192 };
}

/** `either`: a case where two answers are right (none today: kept for the next known bug a corpus case pins). */
export type Verdict = { accept: true } | { accept: false; because: string } | { accept: 'either'; because: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const has = (object: Record<string, unknown>, name: string) => Object.hasOwn(object, name);
/** How deep a JSON value nests: a scalar is 0, `{}` and `[]` are 1. */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depthOf));
}
// RFC 7515 section 4.1.9 media types compare case-insensitively; "application/" may be omitted.
const TYPES = new Set(['at+jwt', 'jwt']);

/**
 * Whether the token must be accepted. Acceptance needs all of: a signature by the issuer's key under that
 * key's own alg (allowed by the list), a kid naming that key or none, no `crit`, an access-token `typ`,
 * the right `iss`, an `aud` containing ours, a numeric `exp` in the future, numeric `nbf` (not ahead) and
 * `iat` when present (all within a Date's range), no `cnf`, scope claims of the right types, `sub`,
 * `client_id` and `azp` strings when present, and claims nested at most 64 levels deep.
 * @example
 * const verdict = expectedVerdict(facts, defaultRules(issuer.issuer, issuer.audience, NOW_SECONDS));
 * @see RFC 7519 section 7.2, RFC 9068 section 4, RFC 8725 section 3.1
 */
export function expectedVerdict(facts: TokenFacts, rules: Rules): Verdict {
  const no = (because: string): Verdict => ({ accept: false, because });
  if (facts.length > rules.maxTokenLength) return no('token longer than maxTokenLength');
  const { header, claims } = facts;
  if (!isObject(header)) return no('header is not an object');
  if (!isObject(claims)) return no('claims are not an object');
  if (typeof header.alg !== 'string' || !rules.algorithms.includes(header.alg)) return no('alg not allowed');
  if (has(header, 'crit')) return no('crit present');
  if (has(header, 'typ')) {
    const typ = header.typ;
    if (typeof typ !== 'string' || !TYPES.has(typ.toLowerCase().replace(/^application\//, ''))) return no('typ not an access token type');
  }
  if (facts.signer !== 'issuer') return no(`signed by ${facts.signer}`);
  if (header.alg !== facts.key.alg) return no("alg is not the signing key's");
  // RFC 7515 section 4.1.4: kid is a string.
  if (has(header, 'kid') && typeof header.kid !== 'string') return no('kid is not a string');
  if (has(header, 'kid') && header.kid !== facts.key.kid) return no('kid names another key');
  if (claims.iss !== rules.issuer) return no('iss mismatch');
  const aud = claims.aud;
  // RFC 7519 section 4.1.3: a string, or an array of strings containing ours.
  const audOk = aud === rules.audience || (Array.isArray(aud) && aud.every((item) => typeof item === 'string') && aud.includes(rules.audience));
  if (!audOk) return no('aud mismatch');
  const now = rules.nowSeconds;
  // RFC 7519 section 2: NumericDate, seconds; beyond a Date's range (±8.64e12 s) it cannot be an expiry.
  const numericDate = (value: unknown) => typeof value === 'number' && Math.abs(value) <= 8.64e12;
  for (const name of ['exp', 'nbf', 'iat']) if (has(claims, name) && !numericDate(claims[name])) return no(`${name} not a NumericDate`);
  if (typeof claims.exp !== 'number') return no('exp missing or not a number');
  if (claims.exp <= now - rules.clockTolerance) return no('expired');
  if (has(claims, 'nbf') && (typeof claims.nbf !== 'number' || claims.nbf > now + rules.clockTolerance)) return no('nbf bad or ahead');
  if (has(claims, 'iat') && typeof claims.iat !== 'number') return no('iat not a number');
  if (has(claims, 'cnf')) return no('sender-constrained (cnf)');
  if (depthOf(claims) > 64) return no('claims nested too deeply');
  // A space-delimited string, or an array of scope names (non-empty strings without a space: ["a b"] is ambiguous).
  if (has(claims, 'scope')) {
    const scope = claims.scope;
    const names = Array.isArray(scope) && scope.every((item) => typeof item === 'string' && item !== '' && !item.includes(' '));
    if (typeof scope !== 'string' && !names) return no('scope neither a string nor an array of scope names');
  }
  // RFC 7519 section 4.1.2 (sub), RFC 8693 section 4.3 (client_id), OIDC Core section 2 (azp): strings. A
  // verifier that read another type as "absent" would hand a route no subject, or the azp as the client.
  for (const name of ['sub', 'client_id', 'azp']) if (has(claims, name) && typeof claims[name] !== 'string') return no(`${name} not a string`);
  if (has(claims, 'scp')) {
    const scp = claims.scp;
    if (!(typeof scp === 'string' || (Array.isArray(scp) && scp.every((item) => typeof item === 'string')))) return no('scp of the wrong type');
  }
  return { accept: true };
}

/**
 * The scopes an accepted token grants: `scope` split on spaces, then `scp`, without duplicates or empties.
 * @example expectedScopes({ scope: 'a b', scp: ['b', 'c'] }) // ['a', 'b', 'c']
 * @see RFC 9068 section 2.2.3
 */
export function expectedScopes(claims: Record<string, unknown>): string[] {
  const scopes = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string') for (const scope of value.split(' ')) if (scope) scopes.add(scope);
    if (Array.isArray(value)) for (const scope of value as string[]) if (scope) scopes.add(scope);
  };
  add(claims.scope);
  add(claims.scp);
  return [...scopes];
}
