// Step-up authentication (RFC 9470): a route's acr and max_age requirement, checked against acr and auth_time.
import { InsufficientUserAuthenticationError, TollgateConfigError } from '../errors.js';
import { parseSeconds } from './duration.js';

/** A route's requirement, validated: acceptable `acr` values (empty: any) and the longest authentication age. */
export interface StepUpRule {
  readonly acrValues: readonly string[];
  readonly maxAge: number | undefined;
}

// acr values travel in a quoted-string of the challenge: printable ASCII without '"' or '\' or spaces (space separates them).
const ACR_VALUE = /^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/;

/** Validates a step-up requirement given in configuration; anything doubtful is a startup error naming `where`. */
export function resolveStepUp(input: unknown, where: string): StepUpRule {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new TollgateConfigError(`${where}: expected { acrValues?, maxAge? }`);
  const { acrValues, maxAge, ...rest } = input as { acrValues?: unknown; maxAge?: unknown };
  const unknown = Object.keys(rest);
  if (unknown.length) throw new TollgateConfigError(`${where}: ${JSON.stringify(unknown[0]).slice(0, 60)} is not a step-up option (acrValues, maxAge)`);
  if (acrValues !== undefined && (!Array.isArray(acrValues) || acrValues.length === 0 || !acrValues.every((value) => typeof value === 'string' && ACR_VALUE.test(value)))) {
    throw new TollgateConfigError(`${where}: acrValues must be a non-empty list of acr values (printable ASCII, no spaces or quotes)`);
  }
  let seconds: number | undefined;
  if (maxAge !== undefined) {
    seconds = typeof maxAge === 'number' || typeof maxAge === 'string' ? parseSeconds(maxAge) : undefined;
    // Safe integers only: sent as max_age, where 1e21 would render as '1e+21'.
    if (seconds === undefined || !Number.isSafeInteger(seconds)) throw new TollgateConfigError(`${where}: maxAge must be whole seconds (a number >= 0) or text like '5m'`);
  }
  if (acrValues === undefined && seconds === undefined) throw new TollgateConfigError(`${where}: names neither acrValues nor maxAge; an empty requirement would admit any authentication`);
  return Object.freeze({ acrValues: Object.freeze([...((acrValues as string[] | undefined) ?? [])]), maxAge: seconds });
}

/**
 * Throws {@link InsufficientUserAuthenticationError} unless the verified claims meet `rule`. A missing or
 * non-string `acr`, or a missing or non-numeric `auth_time`, never satisfies; an `auth_time` further in the
 * future than the clock tolerance is refused too (it would make any age look young).
 * @see RFC 9470 sections 3 and 4
 */
export function checkStepUp(rule: StepUpRule, claims: Readonly<Record<string, unknown>>, nowSeconds: number, tolerance: number, realm: string | undefined): void {
  const refuse = () => new InsufficientUserAuthenticationError(rule, { realm });
  if (rule.acrValues.length > 0 && (typeof claims.acr !== 'string' || !rule.acrValues.includes(claims.acr))) throw refuse();
  if (rule.maxAge !== undefined) {
    const authTime = claims.auth_time;
    if (typeof authTime !== 'number' || !Number.isFinite(authTime)) throw refuse();
    if (authTime > nowSeconds + tolerance) throw refuse();
    if (nowSeconds - authTime > rule.maxAge + tolerance) throw refuse();
  }
}
