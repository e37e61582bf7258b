// What the decorators record on a controller class or handler, and the conflicts refused at decoration time.
import type {} from 'reflect-metadata';
import { TollgateConfigError, validateScopes, type ClaimRuleSet, type StepUpRequirement } from '@tollgate/core';

/** Metadata key of the tollgate declarations on a class or a handler (a list, in decoration order). */
export const DECLARATIONS = 'tollgate:declarations';

/** One decorator's declaration. */
export type Declaration =
  | { readonly kind: 'scopes'; readonly scopes: readonly string[] }
  | { readonly kind: 'anyScope'; readonly scopes: readonly string[] }
  | { readonly kind: 'claims'; readonly rules: ClaimRuleSet }
  | { readonly kind: 'stepUp'; readonly requirement: StepUpRequirement }
  | { readonly kind: 'public' }
  | { readonly kind: 'optional' };

/** How a route admits requests: no check, a token checked when present, or a token required. */
export type Access = 'public' | 'optional' | 'required';

const NAMES: Readonly<Record<Declaration['kind'], string>> = { scopes: '@Scopes', anyScope: '@AnyScope', claims: '@Claims', stepUp: '@StepUp', public: '@Public', optional: '@OptionalAuth' };

/** The access that declarations at one level ask for; `undefined` when they ask nothing. */
export function accessOf(declarations: readonly Declaration[]): Access | undefined {
  if (declarations.some((d) => d.kind === 'public')) return 'public';
  if (declarations.some((d) => d.kind === 'optional')) return 'optional';
  return declarations.length > 0 ? 'required' : undefined;
}

/** A scope list for `@Scopes` / `@AnyScope`, checked where the class is defined. */
export function scopeList(scopes: readonly string[], name: string): readonly string[] {
  if (scopes.length === 0) {
    throw new TollgateConfigError(`@tollgate/nestjs: ${name}() names no scope; an empty list would admit any token. Name at least one scope, or use no decorator for authentication only`);
  }
  return validateScopes(scopes, `@tollgate/nestjs: ${name}`);
}

/** The declarations recorded on exactly this class or handler (not inherited ones). */
export function ownDeclarations(target: object): readonly Declaration[] {
  return (Reflect.getOwnMetadata(DECLARATIONS, target) as Declaration[] | undefined) ?? [];
}

/**
 * Records a declaration on a class or handler. Two declarations at one level that contradict each
 * other (`@Public()` with a scope, `@OptionalAuth()` with a scope, `@Public()` with `@OptionalAuth()`)
 * fail here, when the class is defined: no rule could say which one the author meant.
 */
export function record(target: object, declaration: Declaration, where: string): void {
  const existing = ownDeclarations(target);
  const mine = accessOf([declaration]);
  const theirs = accessOf(existing);
  if (theirs !== undefined && theirs !== mine) {
    const other = existing.find((d) => accessOf([d]) === theirs)!;
    throw new TollgateConfigError(
      `@tollgate/nestjs: ${NAMES[declaration.kind]}() and ${NAMES[other.kind]}() both on ${where} contradict each other; ` +
        'a method-level declaration overrides a class-level @Public()/@OptionalAuth(), but one level cannot say both',
    );
  }
  Reflect.defineMetadata(DECLARATIONS, [...existing, declaration], target);
}
