// The `issuer` option in its three forms (issuer list, `{tenant}` pattern, function) and how `jwksUri`,
// `maxIssuers` and `newIssuersPerMinute` fit each: parsed and checked once, at startup.
import { z } from 'zod';
import { checkTenantUrl, compilePattern, isCanonicalUrl, matchTenant, TENANT, type CompiledPattern } from './issuer-pattern.js';
import { checkIssuerUrl, checkUrl, type InsecurePolicy } from './url-policy.js';
import type { IssuerFunction as IssuerRuleFunction, IssuerPattern as IssuerPatternOption } from '../options.js';

/** `issuer` as parsed: a list of issuer identifiers, or a rule. */
export type ParsedIssuer = { readonly list: readonly string[] } | { readonly decide: IssuerRuleFunction } | { readonly pattern: IssuerPatternOption };

const LIST_REQUIRED = 'required: issuer identifier (the iss of your tokens, e.g. https://auth.example.com/), as a string or an array of strings';
const list = z
  .union([z.string(), z.array(z.string())], { error: LIST_REQUIRED })
  .transform((value) => (Array.isArray(value) ? value : [value]))
  .refine((items) => items.length > 0 && items.every((item) => item.length > 0), {
    message: 'must name at least one issuer identifier (the iss of your tokens, e.g. https://auth.example.com/), none empty',
  });
const pattern = z.strictObject({
  pattern: z.string({ error: `required: the issuer identifier with ${TENANT} where the tenant goes, e.g. 'https://login.microsoftonline.com/${TENANT}/v2.0'` }),
  tenants: z.union([z.literal('*'), z.array(z.string()).min(1, { message: "must name at least one tenant; '*' trusts every tenant" })], {
    error: "required: the tenants to trust (['contoso', 'fabrikam']), or '*' for every tenant of the provider (see docs/multi-tenant.md: anyone can open a tenant)",
  }),
});

/** The zod schema of `issuer`: the three forms, each with its own messages. */
export const issuerSchema = z.unknown().transform((value, ctx): ParsedIssuer => {
  if (typeof value === 'function') return { decide: value as IssuerRuleFunction };
  const form = typeof value === 'object' && value !== null && !Array.isArray(value) ? pattern : list;
  const parsed = form.safeParse(value);
  if (parsed.success) return typeof parsed.data === 'object' && !Array.isArray(parsed.data) ? { pattern: parsed.data } : { list: parsed.data };
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

/** The zod schema of `jwksUri`: one URL (a template with `{tenant}` under a pattern), or one per issuer. */
export const jwksUriSchema = z.union([z.string(), z.record(z.string(), z.string())], {
  error: "expected the JWKS URL, or one per issuer: { 'https://auth.example.com/': 'https://auth.example.com/keys' }",
});

/** What the checked options say about issuers and their keys. */
export interface CheckedIssuers {
  issuers: string[];
  compiled: CompiledPattern | undefined;
  jwksUris: Record<string, string>;
  problems: string[];
}

/**
 * Checks the issuer forms against the URL policy and each other: every issuer URL, the pattern, the jwksUri
 * (a URL, a `{tenant}` template under a pattern only, or a map whose every issuer can be trusted), and the
 * limits that only a pattern or a function uses.
 */
export function checkIssuers(
  issuer: ParsedIssuer,
  jwksUri: string | Record<string, string> | undefined,
  limits: { maxIssuers?: number | undefined; newIssuersPerMinute?: number | undefined },
  allowInsecure: InsecurePolicy,
): CheckedIssuers {
  const problems: string[] = [];
  const issuers = 'list' in issuer ? issuer.list : [];
  for (const item of issuers) {
    const problem = checkUrl('issuer', item, allowInsecure) ?? checkIssuerUrl('issuer', item);
    if (problem) problems.push(problem);
  }
  let compiled: CompiledPattern | undefined;
  if ('pattern' in issuer) {
    const result = compilePattern(issuer.pattern, allowInsecure);
    if (Array.isArray(result)) problems.push(...result);
    else compiled = result;
  }
  if ('list' in issuer) {
    for (const name of ['maxIssuers', 'newIssuersPerMinute'] as const) {
      if (limits[name] !== undefined) problems.push(`${name}: applies to an issuer pattern or function only; with a list of issuers every key set is made at startup`);
    }
  }
  const jwksUris: Record<string, string> = {};
  if (typeof jwksUri === 'string') {
    if (!jwksUri.includes(TENANT)) {
      const problem = checkUrl('jwksUri', jwksUri, allowInsecure);
      if (problem) problems.push(problem);
    } else if (!('pattern' in issuer)) {
      problems.push(`jwksUri: ${TENANT} stands for the tenant of an issuer pattern; with this issuer, give one URL or one per issuer`);
    } else {
      const checked = checkTenantUrl('jwksUri', jwksUri, allowInsecure, false);
      if (typeof checked === 'string') problems.push(checked);
      else if (checked.place === 'host' && compiled?.place === 'path') {
        problems.push(`jwksUri: ${TENANT} is a path segment of the issuer pattern, so it cannot be a host label of the JWKS URL`);
      }
    }
  } else if (jwksUri !== undefined) {
    const entries = Object.entries(jwksUri);
    if (entries.length === 0) problems.push("jwksUri: name at least one issuer: { 'https://auth.example.com/': 'https://auth.example.com/keys' }");
    for (const [key, url] of entries) {
      const problem = checkUrl(`jwksUri['${key}']`, url, allowInsecure);
      if (problem) problems.push(problem);
      // An entry no token can ever use is a typo: say so rather than discover keys for the real issuer.
      const usable =
        'list' in issuer ? issuers.includes(key) : compiled ? matchTenant(compiled, key) !== undefined && isCanonicalUrl(key) : 'decide' in issuer && isCanonicalUrl(key);
      if (!usable) problems.push(`jwksUri: '${key}' is not an issuer this verifier trusts (issuer identifiers are compared exactly)`);
      else jwksUris[key] = url;
    }
  }
  return { issuers: [...new Set(issuers)], compiled, jwksUris, problems };
}
