// The declarative claim-rule matcher: pure, total (never throws), and strict about types.
import type { ClaimRuleRef, ResolvedClaimRule, ResolvedClaimRules } from '../claim-rules.js';

/**
 * The members of a claim that `includes*` rules look in: an array's own elements, or the words of a
 * space-delimited string (RFC 6749 section 3.3 style, empty words dropped). Any other value has none.
 */
function membersOf(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return value.split(' ').filter((word) => word.length > 0);
  return [];
}

// Only a primitive can equal a configured value: an object, an array or null never does, and values of
// different types never compare equal ('1' is not 1), so no coercion can admit a token.
const isPrimitive = (value: unknown): boolean => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/**
 * Whether `value` (a claim's value, of any JSON type, or `undefined` when absent) satisfies `rule`.
 * @example matchClaimRule({ claim: 'groups', kind: 'includes', values: ['admin'] }, ['admin', 'dev']) // true
 */
export function matchClaimRule(rule: ResolvedClaimRule, value: unknown): boolean {
  switch (rule.kind) {
    case 'equals':
    case 'oneOf':
      return isPrimitive(value) && rule.values.includes(value as string);
    case 'includes':
    case 'includesAll': {
      const members = membersOf(value);
      return rule.values.every((wanted) => members.includes(wanted));
    }
    case 'includesAny': {
      const members = membersOf(value);
      return rule.values.some((wanted) => members.includes(wanted));
    }
    default:
      // An operator this matcher does not know admits nothing.
      return false;
  }
}

/**
 * The first declarative rule the claims fail, as named in audit events; `undefined` when all hold.
 * Only the claims' own properties are read: `constructor` or `__proto__` never come from the prototype.
 */
export function firstFailedRule(rules: ResolvedClaimRules, claims: Readonly<Record<string, unknown>>): ClaimRuleRef | undefined {
  for (const rule of rules.rules) {
    const value = Object.hasOwn(claims, rule.claim) ? claims[rule.claim] : undefined;
    if (!matchClaimRule(rule, value)) return Object.freeze({ kind: rule.kind, claim: rule.claim });
  }
  return undefined;
}
