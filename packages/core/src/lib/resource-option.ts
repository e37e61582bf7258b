// Resolves `resource`, `metadata` and `scopeHierarchy`: the canonical resource URI, the audience it implies, the RFC 9728 settings.
import { z } from 'zod';
import type { ResolvedResourceMetadata, ResourceMetadataOptions, ScopeHierarchy, ScopeMatcher } from '../resource-metadata.js';
import { validateScopes } from '../has-scopes.js';
import { metadataLocation } from './resource-metadata.js';
import { checkResourceUri } from './resource-uri.js';
import { checkUrl, type InsecurePolicy } from './url-policy.js';
import { duration } from './zod-duration.js';
import { createScopeMatcher } from './scope-hierarchy.js';

const text = (name: string) => z.string({ error: `${name}: must be text` }).min(1, { message: `${name}: must not be empty` }).max(200, { message: `${name}: at most 200 characters` });
const url = (name: string) => z.string({ error: `${name}: must be an https URL` });

/** The zod schema of `metadata`: `true`, `false`, or the document members you choose. */
export const metadataSchema = z.union(
  [
    z.boolean(),
    z.strictObject({
      authorizationServers: z.array(z.string(), { error: 'must be a list of issuer identifiers' }).min(1, { message: 'must name at least one authorization server' }).optional(),
      scopesSupported: z.array(z.string(), { error: 'must be a list of scopes' }).min(1, { message: 'must name at least one scope; leave it out to collect them from the guards' }).optional(),
      resourceName: text('resourceName').optional(),
      resourceDocumentation: url('resourceDocumentation').optional(),
      resourcePolicyUri: url('resourcePolicyUri').optional(),
      resourceTosUri: url('resourceTosUri').optional(),
      cacheMaxAge: duration('metadata.cacheMaxAge')
        .refine((seconds) => seconds <= 86_400, { message: 'must be at most 1 day' })
        // Sent as Cache-Control max-age, which takes whole seconds only (RFC 9111 section 1.2.2).
        .refine((seconds) => Number.isInteger(seconds), { message: "must be whole seconds (e.g. 600 or '10m')" })
        .optional(),
    }),
  ],
  { error: 'expected true, false or { authorizationServers?, scopesSupported?, resourceName?, resourceDocumentation?, resourcePolicyUri?, resourceTosUri?, cacheMaxAge? }' },
);

/** The zod schema of `scopeHierarchy`. */
export const scopeHierarchySchema = z.strictObject(
  {
    implies: z
      .unknown()
      // zod's record drops a '__proto__' key (and reads a literal { __proto__: ... } as a prototype): refused, never ignored.
      .superRefine((value, context) => {
        if (typeof value !== 'object' || value === null) return;
        const prototype = Object.getPrototypeOf(value);
        if (Object.hasOwn(value, '__proto__') || (prototype !== Object.prototype && prototype !== null)) {
          context.addIssue({ code: 'custom', message: "'__proto__' cannot name a scope, and implies must be a plain object" });
        }
      })
      .pipe(z.record(z.string(), z.array(z.string()).min(1, { message: 'each scope must imply at least one scope' }), { error: "must map a scope to the scopes it grants: { 'orders:admin': ['orders:read'] }" }))
      .optional(),
    wildcards: z.boolean({ error: 'must be true or false' }).optional(),
    grants: z.custom<(granted: readonly string[], required: string) => boolean>((value) => typeof value === 'function', { message: 'must be a function (granted, required) => boolean' }).optional(),
  },
  { error: 'expected { implies?, wildcards?, grants? }' },
);

/** What `resource`, `audience`, `metadata` and `scopeHierarchy` resolve to. */
export interface ResolvedResource {
  readonly resource: string | undefined;
  readonly audiences: readonly string[];
  readonly metadata: ResolvedResourceMetadata | undefined;
  readonly scopeMatcher: ScopeMatcher | undefined;
}

/**
 * Checks the resource options together, pushing every problem to `problems`. `audience` defaults to the
 * resource; an explicit audience must contain it (else tokens issued for the resource the metadata
 * advertises would be refused, or the metadata would name a resource the API does not accept).
 */
export function resolveResource(
  input: { resource?: string | undefined; audience?: readonly string[] | undefined; metadata?: boolean | ResourceMetadataOptions | undefined; scopeHierarchy?: ScopeHierarchy | undefined },
  context: { issuers: readonly string[]; issuerRule: boolean; allowInsecure: InsecurePolicy; cacheMaxAge?: number | undefined },
  problems: string[],
): ResolvedResource {
  const { resource } = input;
  if (resource !== undefined) {
    const problem = typeof resource === 'string' ? checkResourceUri('resource', resource, context.allowInsecure) : 'resource: must be the API\'s canonical URI, e.g. https://api.example.com/mcp';
    if (problem) problems.push(problem);
  }
  const validResource = resource !== undefined && problems.every((p) => !p.startsWith('resource:')) ? resource : undefined;
  let audiences = input.audience ?? [];
  if (input.audience === undefined) {
    if (validResource !== undefined) audiences = origin(validResource) ? [validResource, `${validResource}/`] : [validResource];
  } else if (validResource !== undefined && !input.audience.includes(validResource)) {
    problems.push(`audience: does not contain resource '${validResource}'; tokens issued for the resource (RFC 8707) would be refused. Leave audience out (it defaults to resource) or add the resource to it`);
  }
  let metadata: ResolvedResourceMetadata | undefined;
  const wanted = input.metadata ?? (resource !== undefined);
  if (wanted !== false && input.metadata !== undefined && resource === undefined) {
    problems.push('metadata: needs resource (the canonical URI the document describes, RFC 9728 section 3)');
  } else if (wanted !== false && validResource !== undefined) {
    metadata = resolveMetadata(validResource, wanted === true ? {} : wanted, context, problems);
  }
  const scopeMatcher = input.scopeHierarchy === undefined ? undefined : createScopeMatcher(input.scopeHierarchy, problems);
  return { resource: validResource, audiences, metadata, scopeMatcher };
}

const origin = (resource: string): boolean => new URL(resource).pathname === '/';

function resolveMetadata(
  resource: string,
  options: ResourceMetadataOptions,
  context: { issuers: readonly string[]; issuerRule: boolean; allowInsecure: InsecurePolicy },
  problems: string[],
): ResolvedResourceMetadata | undefined {
  const before = problems.length;
  if (options.authorizationServers === undefined && context.issuerRule) {
    problems.push('metadata.authorizationServers: required with an issuer pattern or function: list the issuer identifiers clients should get tokens from (RFC 9728 section 2)');
  }
  const authorizationServers = options.authorizationServers ?? context.issuers;
  for (const server of authorizationServers) {
    const problem = checkUrl('metadata.authorizationServers', server, context.allowInsecure);
    if (problem) problems.push(problem);
  }
  for (const [name, value] of [
    ['metadata.resourceDocumentation', options.resourceDocumentation],
    ['metadata.resourcePolicyUri', options.resourcePolicyUri],
    ['metadata.resourceTosUri', options.resourceTosUri],
  ] as const) {
    const problem = value === undefined ? undefined : checkUrl(name, value, context.allowInsecure);
    if (problem) problems.push(problem);
  }
  let scopesSupported: readonly string[] | undefined;
  if (options.scopesSupported !== undefined) {
    try {
      scopesSupported = validateScopes(options.scopesSupported, 'metadata.scopesSupported');
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > before) return undefined;
  const location = metadataLocation(resource);
  return Object.freeze({
    url: location.url,
    path: location.path,
    authorizationServers: Object.freeze([...authorizationServers]),
    scopesSupported,
    resourceName: options.resourceName,
    resourceDocumentation: options.resourceDocumentation,
    resourcePolicyUri: options.resourcePolicyUri,
    resourceTosUri: options.resourceTosUri,
    cacheMaxAge: (options.cacheMaxAge as number | undefined) ?? 3600,
  });
}
