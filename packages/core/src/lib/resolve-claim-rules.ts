// Validates a claim rule set (the `claims` option, a route's claim requirement) into its frozen, resolved form.
import { z } from 'zod';
import type { ClaimValidator, ClaimValue, ResolvedClaimRule, ResolvedClaimRules } from '../claim-rules.js';
import { TollgateConfigError } from '../errors.js';

/** Where a rule set applies: to every token (the verifier's `claims`) or to one route. */
export type ClaimRuleLevel = 'verifier' | 'route';

type Operator = ResolvedClaimRule['kind'];
const OPERATORS: readonly Operator[] = ['equals', 'oneOf', 'includes', 'includesAll', 'includesAny'];
const LIST_OPERATORS: ReadonlySet<Operator> = new Set<Operator>(['oneOf', 'includesAll', 'includesAny']);

// Claims tollgate checks itself, by rules that a second check could only contradict or weaken.
const CHECKED_EVERYWHERE: Readonly<Record<string, string>> = {
  exp: 'tollgate checks exp itself (clockTolerance)',
  nbf: 'tollgate checks nbf itself (clockTolerance)',
  iat: 'tollgate checks iat itself (maxTokenAge)',
  // RFC 6750 section 3.1: a missing scope is a 403 naming the scope; a claim rule could not say which.
  scope: 'scopes are required with requireScope / requireAnyScope (Fastify config.scopes, Nest @Scopes), which answer 403 with the scope',
  scp: 'scopes are required with requireScope / requireAnyScope (Fastify config.scopes, Nest @Scopes), which answer 403 with the scope',
};
// For every token, the verifier's own options say it; one route may narrow them (one of several issuers).
const CHECKED_BY_VERIFIER: Readonly<Record<string, string>> = {
  iss: 'the issuer option decides which iss values are accepted; a route may narrow it with a route-level rule',
  aud: 'the audience option decides which aud values are accepted; a route may narrow it with a route-level rule',
};

type Problem = { path: (string | number)[]; message: string };

/** The reason `value` cannot be compared with a claim, or `undefined` when it can. */
function valueProblem(value: unknown, member: boolean): string | undefined {
  if (value === undefined || value === null) return `has no value (${String(value)}); an unset environment variable?`;
  if (typeof value === 'string') return value.length === 0 ? 'is an empty string, which no rule should compare with; an unset environment variable?' : undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'must be a finite number';
  if (typeof value === 'boolean' && !member) return undefined;
  if (typeof value === 'function') return 'is a function; a validator goes beside the rules: claims: [{ ...rules }, validator]';
  if (Array.isArray(value)) return 'is an array; say how to compare with it: { oneOf: [...] }, { includesAll: [...] } or { includesAny: [...] }';
  return member ? 'must be a non-empty string or a finite number' : 'must be a non-empty string, a finite number or a boolean';
}

function resolveRule(claim: string, rule: unknown, path: (string | number)[], problems: Problem[]): ResolvedClaimRule | undefined {
  const fail = (message: string, at: (string | number)[] = path) => {
    problems.push({ path: at, message });
    return undefined;
  };
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
    const problem = valueProblem(rule, false);
    return problem ? fail(problem) : { claim, kind: 'equals', values: Object.freeze([rule as ClaimValue]) };
  }
  const keys = Object.keys(rule);
  if (keys.length !== 1) {
    return fail(keys.length === 0 ? `is an empty rule; give one of ${OPERATORS.join(', ')}` : `gives ${keys.join(' and ')}; give one operator per rule (${OPERATORS.join(', ')})`);
  }
  const kind = keys[0] as Operator;
  if (!OPERATORS.includes(kind)) return fail(`${JSON.stringify(kind).slice(0, 40)} is not a claim rule operator; use one of ${OPERATORS.join(', ')}`);
  const operand = (rule as Record<string, unknown>)[kind];
  const member = kind !== 'equals' && kind !== 'oneOf';
  if (!LIST_OPERATORS.has(kind)) {
    const problem = valueProblem(operand, member);
    return problem ? fail(problem, [...path, kind]) : { claim, kind, values: Object.freeze([operand as ClaimValue]) };
  }
  if (!Array.isArray(operand)) return fail(`must be an array of values`, [...path, kind]);
  if (operand.length === 0) return fail('is empty: it would admit no token (oneOf) or any token (includesAll); name at least one value', [...path, kind]);
  let valid = true;
  operand.forEach((value, index) => {
    const problem = valueProblem(value, member);
    if (problem) {
      valid = false;
      problems.push({ path: [...path, kind, index], message: problem });
    }
  });
  return valid ? { claim, kind, values: Object.freeze([...new Set(operand as ClaimValue[])]) } : undefined;
}

// A name safe to put in audit events and logs; anything else is reported by position.
const SAFE_NAME = /^[A-Za-z_$][\w$]{0,63}$/;

/** Collects the rules and validators of `input`, pushing each problem found. */
function collect(input: unknown, level: ClaimRuleLevel, problems: Problem[]): ResolvedClaimRules {
  const rules: ResolvedClaimRule[] = [];
  const validators: { name: string; validate: ClaimValidator }[] = [];
  const addValidator = (validate: ClaimValidator) => {
    validators.push(Object.freeze({ name: SAFE_NAME.test(validate.name) ? validate.name : `validator#${validators.length + 1}`, validate }));
  };
  const addRules = (set: object, path: (string | number)[]) => {
    const entries = Object.entries(set);
    if (entries.length === 0) problems.push({ path, message: 'names no claim rule; an empty rule set would admit any token. Give at least one rule, or drop it' });
    for (const [claim, rule] of entries) {
      const at = [...path, claim];
      if (claim.length === 0) {
        problems.push({ path: at, message: 'a claim name is empty' });
        continue;
      }
      const checked = CHECKED_EVERYWHERE[claim] ?? (level === 'verifier' ? CHECKED_BY_VERIFIER[claim] : undefined);
      if (Object.hasOwn(CHECKED_EVERYWHERE, claim) || (level === 'verifier' && Object.hasOwn(CHECKED_BY_VERIFIER, claim))) {
        problems.push({ path: at, message: `no claim rule on ${claim}: ${checked}` });
        continue;
      }
      const resolved = resolveRule(claim, rule, at, problems);
      if (resolved) rules.push(Object.freeze(resolved));
    }
  };
  const addItem = (item: unknown, path: (string | number)[]) => {
    if (typeof item === 'function') addValidator(item as ClaimValidator);
    else if (typeof item === 'object' && item !== null && !Array.isArray(item)) addRules(item, path);
    else problems.push({ path, message: 'expected claim rules ({ claim: rule }), a validator function, or a list of them' });
  };
  if (Array.isArray(input)) {
    if (input.length === 0) problems.push({ path: [], message: 'is an empty list; it would admit any token. Give at least one rule set or validator, or drop it' });
    input.forEach((item, index) => addItem(item, [index]));
  } else {
    addItem(input, []);
  }
  return Object.freeze({ rules: Object.freeze(rules), validators: Object.freeze(validators) });
}

/**
 * The zod schema of a claim rule set at `level`: it resolves the input, or reports each problem at its
 * path (`claims.tier.oneOf: is empty ...`).
 */
export function claimRuleSetSchema(level: ClaimRuleLevel) {
  return z.unknown().transform((input, ctx): ResolvedClaimRules => {
    const problems: Problem[] = [];
    const resolved = collect(input, level, problems);
    if (problems.length === 0) return resolved;
    for (const problem of problems) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    return z.NEVER;
  });
}

const routeSchema = claimRuleSetSchema('route');

/**
 * Resolves a route's claim rule set, or throws {@link TollgateConfigError} naming `where` and each problem.
 * @example resolveClaimRules({ tenant: 'acme' }, 'requireClaims', 'route')
 */
export function resolveClaimRules(input: unknown, where: string, level: ClaimRuleLevel = 'route'): ResolvedClaimRules {
  const parsed = (level === 'route' ? routeSchema : claimRuleSetSchema(level)).safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  - ${issue.path.length ? issue.path.join('.') : '(rules)'}: ${issue.message}`);
  throw new TollgateConfigError(`${where}: invalid claim rules\n${lines.join('\n')}`);
}
