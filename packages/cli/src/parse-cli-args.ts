// Parses the command line (node:util parseArgs) into one typed command; every mistake is a UsageError.
import { parseArgs } from 'node:util';
import { redactTokens, safeText } from './lib/safe-text.js';
import { UsageError } from './lib/usage-error.js';

/** `tollgate inspect [token]`. */
export interface InspectArgs {
  readonly command: 'inspect';
  /** The token argument; `undefined` or `-` means stdin. */
  readonly token: string | undefined;
  readonly json: boolean;
}

/** `tollgate verify [token] --issuer ... --audience ...`. Option values are checked by core, not here. */
export interface VerifyArgs {
  readonly command: 'verify';
  /** The token argument; `undefined` or `-` means stdin. */
  readonly token: string | undefined;
  readonly json: boolean;
  readonly issuers: readonly string[];
  readonly audiences: readonly string[];
  readonly scopes: readonly string[];
  /** One of `scopes` is enough (default: all of them). */
  readonly anyScope: boolean;
  readonly jwksUri: string | undefined;
  readonly algorithms: readonly string[] | undefined;
  readonly clockTolerance: string | undefined;
  readonly maxTokenAge: string | undefined;
  readonly timeout: string | undefined;
  readonly realm: string | undefined;
  readonly strict: boolean;
  readonly allowInsecureRequests: boolean;
  /** Development hosts `http:` is allowed for besides loopback (`--allow-insecure-host`). */
  readonly insecureHosts: readonly string[];
}

/** `tollgate help [command]`, `tollgate --help`, `tollgate <command> --help`. */
export interface HelpArgs {
  readonly command: 'help';
  readonly topic: CommandName | undefined;
}

/** `tollgate --version`. */
export interface VersionArgs {
  readonly command: 'version';
}

/** What the command line asks for. */
export type CliArgs = InspectArgs | VerifyArgs | HelpArgs | VersionArgs;

/** The commands that take a token. */
export type CommandName = 'inspect' | 'verify';

const COMMANDS: readonly CommandName[] = ['inspect', 'verify'];
const isCommand = (value: string | undefined): value is CommandName => (COMMANDS as readonly (string | undefined)[]).includes(value);

const common = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const verifyOptions = {
  ...common,
  issuer: { type: 'string', multiple: true },
  audience: { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  'any-scope': { type: 'boolean' },
  'jwks-uri': { type: 'string' },
  algorithms: { type: 'string', multiple: true },
  'clock-tolerance': { type: 'string' },
  'max-token-age': { type: 'string' },
  timeout: { type: 'string' },
  realm: { type: 'string' },
  strict: { type: 'boolean' },
  'allow-insecure-requests': { type: 'boolean' },
  'allow-insecure-host': { type: 'string', multiple: true },
} as const;

/**
 * Parses `argv` (without `node` and the script). Throws {@link UsageError} for an unknown command or
 * option, a missing option value, or more than one token.
 * @param argv the arguments, e.g. `process.argv.slice(2)`
 * @example
 * parseCliArgs(['verify', '-', '--issuer', 'https://auth.example.com/', '--audience', 'api', '--scope', 'orders:read'])
 * // { command: 'verify', token: '-', issuers: ['https://auth.example.com/'], scopes: ['orders:read'], ... }
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('a command is required: inspect or verify');
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = rest[0];
    if (rest.length > 1 || (topic !== undefined && !isCommand(topic))) throw new UsageError(`help takes one command name: ${COMMANDS.join(' or ')}`);
    return { command: 'help', topic };
  }
  if (first === '--version' || first === '-v') {
    if (rest.length > 0) throw new UsageError('--version takes no arguments');
    return { command: 'version' };
  }
  if (!isCommand(first)) {
    // Echo only what looks like a mistyped command name: the argument may well be a token.
    const shown = /^[a-z][a-z-]{0,19}$/i.test(first) ? ` '${first}'` : '';
    const hint = first.includes('.') ? " (to read a token, run 'tollgate inspect <token>')" : '';
    throw new UsageError(`unknown command${shown}: expected inspect or verify${hint}`);
  }
  return first === 'inspect' ? parseInspect(rest) : parseVerify(rest);
}

function parseInspect(args: readonly string[]): InspectArgs | HelpArgs {
  const { values, token } = parseCommand('inspect', args, common);
  if (values.help) return { command: 'help', topic: 'inspect' };
  return { command: 'inspect', token, json: values.json ?? false };
}

function parseVerify(args: readonly string[]): VerifyArgs | HelpArgs {
  const { values, token } = parseCommand('verify', args, verifyOptions);
  if (values.help) return { command: 'help', topic: 'verify' };
  return {
    command: 'verify',
    token,
    json: values.json ?? false,
    issuers: values.issuer ?? [],
    audiences: values.audience ?? [],
    // A scope value may list several, space-delimited as in the scope claim (RFC 6749 section 3.3).
    scopes: (values.scope ?? []).flatMap((scope) => scope.split(/\s+/)).filter(Boolean),
    anyScope: values['any-scope'] ?? false,
    jwksUri: values['jwks-uri'],
    algorithms: values.algorithms?.flatMap((list) => list.split(',')).map((alg) => alg.trim()).filter(Boolean),
    clockTolerance: values['clock-tolerance'],
    maxTokenAge: values['max-token-age'],
    timeout: values.timeout,
    realm: values.realm,
    strict: values.strict ?? false,
    allowInsecureRequests: values['allow-insecure-requests'] ?? false,
    insecureHosts: values['allow-insecure-host'] ?? [],
  };
}

type OptionsConfig = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parseCommand<T extends OptionsConfig>(command: CommandName, args: readonly string[], options: T) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error), command);
  }
  if (parsed.positionals.length > 1) {
    throw new UsageError(`expected one token, got ${parsed.positionals.length} arguments`, command);
  }
  return { values: parsed.values, token: parsed.positionals[0] };
}

// parseArgs' messages run on with advice about '--'; the first sentence is the useful part.
// It may quote what was typed, which could be a token: redact, make printable, cut to a sane length.
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : 'invalid arguments';
  const first = message.split(/\.\s/)[0] ?? message;
  const text = safeText(redactTokens(first));
  const short = text.length > 120 ? `${text.slice(0, 117)}...` : text;
  return short.charAt(0).toLowerCase() + short.slice(1);
}
