// Claim rules: the public types of the `claims` option and of every adapter's per-route claim requirement.
import type { AccessToken } from './access-token.js';
import { resolveClaimRules } from './lib/resolve-claim-rules.js';

/** A value a claim can be required to equal, or be one of: a non-empty string, a finite number, a boolean. */
export type ClaimValue = string | number | boolean;

/** A value an array or space-delimited claim can be required to include: a non-empty string or a finite number. */
export type ClaimMember = string | number;

/**
 * One rule on one claim. A bare value means `equals`; otherwise an object with exactly one operator:
 * - `equals`: the claim is exactly this value, of this type (`'1'` is not `1`; an array is never equal to a value).
 * - `oneOf`: the claim is exactly one of these values.
 * - `includes`: the claim is an array with this member, or a space-delimited string with this word.
 * - `includesAll` / `includesAny`: every / at least one of these members (array or space-delimited string).
 * An absent claim, or one of another type, fails every rule.
 * @example { tenant: 'acme', tier: { oneOf: ['gold', 'silver'] }, groups: { includes: 'admin' } }
 */
export type ClaimRule =
  | ClaimValue
  | {
      /** The claim is exactly this value, of this type. */
      readonly equals: ClaimValue;
    }
  | {
      /** The claim is exactly one of these values (at least one). */
      readonly oneOf: readonly ClaimValue[];
    }
  | {
      /** The claim is an array with this member, or a space-delimited string with this word. */
      readonly includes: ClaimMember;
    }
  | {
      /** The claim includes every one of these members (at least one). */
      readonly includesAll: readonly ClaimMember[];
    }
  | {
      /** The claim includes at least one of these members (at least one). */
      readonly includesAny: readonly ClaimMember[];
    };

/** Rules by claim name; every rule must hold. At least one rule. */
export interface ClaimRules {
  readonly [claim: string]: ClaimRule;
}

/** What a {@link ClaimValidator} is given besides the token. */
export interface ClaimValidatorContext {
  /** Aborted when tollgate stops waiting for the validator (after 5 seconds): pass it to your fetch or query. */
  readonly signal: AbortSignal;
}

/**
 * Your own check of a verified token, e.g. against a revocation list. Only `true` (or a promise of
 * `true`) admits the token; `false` refuses it. A validator that throws, rejects, returns anything
 * else (`undefined`, a truthy string) or takes longer than 5 seconds fails closed with a 503
 * `temporarily_unavailable`: the server could not decide, and the request is not let through.
 * It runs on every request, cached tokens included, so it may read state that changes.
 * @example const notRevoked: ClaimValidator = async (claims) => !(await revoked.has(String(claims.jti)));
 */
export type ClaimValidator = (
  claims: AccessToken['claims'],
  token: AccessToken,
  context: ClaimValidatorContext,
) => boolean | Promise<boolean>;

/**
 * The `claims` option of `createVerifier` and the argument of every per-route claim requirement
 * (`requireClaims`, Fastify route `config.claims`, Nest `@Claims`): rules by claim name, a validator,
 * or a list of both (all must hold).
 * @example claims: [{ tenant: 'acme' }, notRevoked]
 */
export type ClaimRuleSet = ClaimRules | ClaimValidator | readonly (ClaimRules | ClaimValidator)[];

/** The kind of a claim rule, as named in audit events and on errors. */
export type ClaimRuleKind = 'equals' | 'oneOf' | 'includes' | 'includesAll' | 'includesAny' | 'validator';

/** How a validator failed to decide: it threw or rejected, returned something other than a boolean, or took too long. */
export type ClaimValidatorFailure = 'threw' | 'not_boolean' | 'timeout';

/**
 * Which rule decided, for audit events and `error.rule`: the claim and the kind of rule, or the
 * validator's function name. Never the claim's value, nor the value the rule expects.
 */
export interface ClaimRuleRef {
  /** The kind of rule. */
  readonly kind: ClaimRuleKind;
  /** The claim the rule is on (not for a validator). */
  readonly claim?: string;
  /** The validator's function name, or `validator#<n>` for an anonymous one (validators only). */
  readonly validator?: string;
  /** Why a validator could not decide (only on a 503). */
  readonly failure?: ClaimValidatorFailure;
}

/** A rule set after validation: the declarative rules and the validators, frozen. */
export interface ResolvedClaimRules {
  /** The declarative rules, in the order given. */
  readonly rules: readonly ResolvedClaimRule[];
  /** The validators, in the order given, each with the name it is reported by. */
  readonly validators: readonly ResolvedClaimValidator[];
}

/** One validator after validation. */
export interface ResolvedClaimValidator {
  /** The name audit events and errors report it by: its function name, or `validator#<n>`. */
  readonly name: string;
  /** The validator itself. */
  readonly validate: ClaimValidator;
}

/** One declarative rule after validation. */
export interface ResolvedClaimRule {
  /** The claim it is on. */
  readonly claim: string;
  /** Its operator. */
  readonly kind: Exclude<ClaimRuleKind, 'validator'>;
  /** The values it compares with (one for `equals` and `includes`). */
  readonly values: readonly ClaimValue[];
}

/**
 * Validates a route-level claim rule set, as every adapter does when a route declares one, and returns
 * it resolved and frozen. Throws `TollgateConfigError` naming `where` and each problem: an empty rule
 * set or list, an empty `oneOf`, an unknown operator, a value of the wrong type, an unset value, a rule
 * on a claim tollgate checks itself (`exp`, `nbf`, `iat`, `scope`, `scp`).
 * @param rules - the rule set as the route declares it
 * @param where - names the declaration in the error, e.g. `@Claims on OrdersController.list`
 * @example validateClaimRules({ tenant: 'acme' }, 'requireClaims')
 * @see RFC 6750 section 3.1
 */
export function validateClaimRules(rules: ClaimRuleSet, where: string): ResolvedClaimRules {
  return resolveClaimRules(rules, where, 'route');
}
