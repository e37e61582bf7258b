// What each JSON-RPC message of an MCP request asks to use: a tool, a prompt or a resource, by name or URI.
import { TollgateConfigError } from '@tollgate/core';
import { canonicalUri, keyProblem } from './resource-uri.js';

/** A declared operation: the scopes it needs. */
export type Declared = readonly string[];

/** What one message needs: nothing beyond the guard's scopes, a declared entry's scopes, or an undeclared one. */
export type Need =
  | { readonly kind: 'open' }
  | { readonly kind: 'declared'; readonly scopes: Declared }
  | { readonly kind: 'undeclared'; readonly what: 'tool' | 'prompt' | 'resource' | 'task' }
  | { readonly kind: 'malformed'; readonly why?: string };

/** Looks names up in one declared table: exact names, and (resources) `prefix*` patterns, longest first. */
export class ScopeTable {
  readonly #exact = new Map<string, Declared>();
  readonly #prefixes: Array<[string, Declared]> = [];

  constructor(entries: unknown, where: string, patterns: boolean) {
    if (entries === undefined) return;
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
      throw new TollgateConfigError(`${where}: expected an object of { name: scopes }, got ${Array.isArray(entries) ? 'an array' : typeof entries}`);
    }
    for (const [name, value] of Object.entries(entries)) {
      if (name.length === 0) throw new TollgateConfigError(`${where}: an empty name is not a name`);
      const scopes = typeof value === 'string' ? [value] : value;
      if (!Array.isArray(scopes) || scopes.some((scope) => typeof scope !== 'string')) {
        throw new TollgateConfigError(`${where}: ${JSON.stringify(name)} must name a scope or a list of scopes`);
      }
      // An empty list would let anyone with a token call it, and is more often a bug (a split of an unset
      // variable) than a choice: name the base scope instead.
      if (scopes.length === 0) {
        throw new TollgateConfigError(`${where}: ${JSON.stringify(name)} names no scope; list the scopes it needs (for "any token", the scope requireMcpAuth requires)`);
      }
      const frozen = Object.freeze([...scopes] as string[]);
      const prefix = patterns && name.endsWith('*');
      const key = prefix ? name.slice(0, -1) : name;
      // Resources: a request's URI must be canonical (see needOf), so a key that is not could never match,
      // or (a prefix) would match less than it seems to.
      const problem = patterns ? keyProblem(key, prefix) : undefined;
      if (problem) throw new TollgateConfigError(`${where}: ${JSON.stringify(name)} ${problem}`);
      if (prefix) this.#prefixes.push([key, frozen]);
      else this.#exact.set(key, frozen);
    }
    this.#prefixes.sort((a, b) => b[0].length - a[0].length);
  }

  /** The scopes of `name`: an exact entry first, else the longest matching prefix; `undefined` when undeclared. */
  get(name: string): Declared | undefined {
    const exact = this.#exact.get(name);
    if (exact) return exact;
    for (const [prefix, scopes] of this.#prefixes) if (name.startsWith(prefix)) return scopes;
    return undefined;
  }
}

/** The declared tables and what to do with a name none of them lists. */
export interface Tables {
  readonly tools: ScopeTable;
  readonly prompts: ScopeTable;
  readonly resources: ScopeTable;
  /** Scopes of every `tasks/*` request, or `undefined` when none were declared. */
  readonly tasks: Declared | undefined;
  readonly unlisted: 'deny' | 'allow';
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function lookUp(tables: Tables, what: 'tool' | 'prompt' | 'resource', name: unknown): Need {
  if (typeof name !== 'string') return { kind: 'malformed' };
  const scopes = (what === 'tool' ? tables.tools : what === 'prompt' ? tables.prompts : tables.resources).get(name);
  if (scopes) return { kind: 'declared', scopes };
  return tables.unlisted === 'allow' ? { kind: 'open' } : { kind: 'undeclared', what };
}

/** The name (or URI) a message's operation is about, as `Mcp-Name` carries it; `undefined` for other methods. */
export function nameOf(message: Record<string, unknown>): unknown {
  const params = isObject(message.params) ? message.params : {};
  switch (message.method) {
    case 'tools/call':
    case 'prompts/get':
      return params.name;
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      return params.uri;
    default:
      return undefined;
  }
}

/**
 * What one JSON-RPC message needs. Requests and notifications name a method; a message without one must be a
 * response (an `id` and a `result` or `error`, the client answering the server); anything else is malformed.
 * Methods that name no tool, prompt or resource (initialize, tools/list, ping...) need the guard's scopes only.
 */
export function needOf(message: unknown, tables: Tables): Need {
  if (!isObject(message)) return { kind: 'malformed' };
  if (!Object.hasOwn(message, 'method')) {
    return Object.hasOwn(message, 'id') && (Object.hasOwn(message, 'result') || Object.hasOwn(message, 'error')) ? { kind: 'open' } : { kind: 'malformed' };
  }
  const method = message.method;
  if (typeof method !== 'string') return { kind: 'malformed' };
  const params = message.params;
  if (params !== undefined && !isObject(params)) return { kind: 'malformed' };
  switch (method) {
    case 'tools/call':
      return lookUp(tables, 'tool', params?.name);
    case 'prompts/get':
      return lookUp(tables, 'prompt', params?.name);
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe': {
      // The SDK reads (and matches its resources against) new URL(uri).href: a URI parsing would rewrite
      // (`..`, `%2e%2e`, an upper-case scheme) is refused, so the URI checked is the URI served.
      const uri = params?.uri;
      if (typeof uri === 'string' && canonicalUri(uri) === undefined) return { kind: 'malformed', why: 'resource URI is not a URL in canonical form' };
      return lookUp(tables, 'resource', uri);
    }
    case 'completion/complete': {
      // Completions reveal a prompt's or a resource template's argument values: as protected as the prompt or resource.
      const ref = params?.ref;
      if (!isObject(ref)) return { kind: 'malformed' };
      if (ref.type === 'ref/prompt') return lookUp(tables, 'prompt', ref.name);
      if (ref.type === 'ref/resource') return lookUp(tables, 'resource', ref.uri);
      return { kind: 'malformed' };
    }
    default:
      // A task's status and result are a tool's output, and tollgate cannot tell which tool made a task:
      // every tasks/* request needs the scopes of the `tasks` option.
      if (method.startsWith('tasks/')) {
        if (tables.tasks) return { kind: 'declared', scopes: tables.tasks };
        return tables.unlisted === 'allow' ? { kind: 'open' } : { kind: 'undeclared', what: 'task' };
      }
      return { kind: 'open' };
  }
}
