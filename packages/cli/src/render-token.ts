// The readable view of a token (header, claims, times in human terms, warnings) and its JSON form.
import { readScopes } from '@tollgate/core';
import type { DecodedToken } from './decode-token.js';
import { describeTimeClaim, formatInstant, type TimeClaim } from './describe-time.js';
import { tokenWarnings } from './token-warnings.js';
import { displayValue, safeText } from './lib/safe-text.js';

/** The JSON view of a token, as `--json` prints it. Never holds the signature or the raw token. */
export interface TokenSummary {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
  /** Granted scopes, from `scope` and `scp`. */
  readonly scopes: readonly string[];
  readonly clientId: string | null;
  readonly subject: string | null;
  readonly issuer: string | null;
  readonly audience: readonly string[];
  /** `exp` as an ISO instant, `null` when absent or not a NumericDate. */
  readonly expiresAt: string | null;
  /** Seconds from now until `exp`; negative once expired. */
  readonly expiresIn: number | null;
  readonly warnings: readonly string[];
}

const HEADER_ORDER = ['alg', 'typ', 'kid'];
const CLAIM_ORDER = ['iss', 'sub', 'aud', 'client_id', 'azp', 'scope', 'scp', 'exp', 'nbf', 'iat', 'jti'];
// Shown even when absent, because a verifier requires them (and scopes are what people look for).
const ALWAYS_HEADER = ['alg'];
const ALWAYS_CLAIMS = ['iss', 'aud', 'exp'];
const TIME_CLAIMS = new Set<string>(['exp', 'nbf', 'iat']);

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Options of {@link summarizeToken} and {@link renderToken}. */
export interface ViewOptions {
  /**
   * Whether to list what a verifier with default options would refuse. Default `true`; off for a
   * token that `verify` accepted, where those defaults are not the options that were used.
   */
  warnings?: boolean;
}

/**
 * The JSON view of a decoded token.
 * @param token the decoded token
 * @param nowMs the current time, in milliseconds since the epoch
 * @param options whether to include warnings
 * @example summarizeToken(decodeToken(jwt), Date.now()).expiresIn // 240
 */
export function summarizeToken(token: DecodedToken, nowMs: number, options: ViewOptions = {}): TokenSummary {
  const { claims } = token;
  const aud = claims.aud;
  return {
    header: token.header,
    claims,
    scopes: readScopes(claims).scopes,
    // As core reads it: azp only when there is no client_id at all (core refuses a client_id of another type).
    clientId: claims.client_id !== undefined ? str(claims.client_id) : str(claims.azp),
    subject: str(claims.sub),
    issuer: str(claims.iss),
    audience: typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((item): item is string => typeof item === 'string') : [],
    expiresAt: formatInstant(claims.exp) ?? null,
    expiresIn: typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? Math.round(claims.exp - nowMs / 1000) : null,
    warnings: options.warnings === false ? [] : tokenWarnings(token, nowMs),
  };
}

/**
 * The readable view: header, claims (times as `2026-11-23T18:40:00Z (expires in 4 min)`), whether a
 * signature is present (never the signature), then warnings. Every value is made safe to print.
 * @param token the decoded token
 * @param nowMs the current time, in milliseconds since the epoch
 * @param options whether to include warnings
 * @example process.stdout.write(renderToken(decodeToken(jwt), Date.now()))
 */
export function renderToken(token: DecodedToken, nowMs: number, options: ViewOptions = {}): string {
  const { claims } = token;
  const claimsShown = claims.scp === undefined ? [...ALWAYS_CLAIMS, 'scope'] : ALWAYS_CLAIMS;
  const lines = ['Header', ...fields(token.header, HEADER_ORDER, ALWAYS_HEADER, nowMs), 'Claims', ...fields(claims, CLAIM_ORDER, claimsShown, nowMs)];
  lines.push(`Signature    ${token.signed ? 'present (not shown)' : 'none'}`);
  const warnings = options.warnings === false ? [] : tokenWarnings(token, nowMs);
  if (warnings.length > 0) lines.push('Warnings', ...warnings.map((warning) => `  ! ${warning}`));
  return `${lines.join('\n')}\n`;
}

function fields(values: Readonly<Record<string, unknown>>, order: readonly string[], always: readonly string[], nowMs: number): string[] {
  const names = [...order.filter((name) => Object.hasOwn(values, name) || always.includes(name)), ...Object.keys(values).filter((name) => !order.includes(name))];
  return names.map((name) => {
    const value = values[name];
    if (value === undefined) return row(name, '(none)');
    if (TIME_CLAIMS.has(name)) return row(name, describeTimeClaim(name as TimeClaim, value, nowMs));
    if (name === 'aud' && Array.isArray(value) && value.every((item) => typeof item === 'string')) return row(name, safeText(value.join(', ')));
    return row(name, displayValue(value));
  });
}

const row = (name: string, value: string): string => `  ${safeText(name).padEnd(10)} ${value}`;
