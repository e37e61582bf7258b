import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/parse-cli-args.js';
import { UsageError } from '../src/lib/usage-error.js';

const usage = (argv: string[]): UsageError => {
  try {
    parseCliArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
};

describe('parseCliArgs', () => {
  it('parses verify with every option', () => {
    expect(
      parseCliArgs([
        'verify', 'tok', '--issuer', 'https://a/', '--issuer', 'https://b/', '--audience', 'api',
        '--scope', 'orders:read', '--scope', 'orders:write  admin', '--any-scope', '--jwks-uri', 'https://a/jwks',
        '--algorithms', 'RS256, ES256', '--algorithms', 'EdDSA', '--clock-tolerance', '30s', '--max-token-age', '1h',
        '--timeout', '2s', '--realm', 'orders', '--strict', '--allow-insecure-requests', '--json',
        '--allow-insecure-host', 'keycloak', '--allow-insecure-host', 'auth.dev',
      ]),
    ).toEqual({
      command: 'verify',
      token: 'tok',
      json: true,
      issuers: ['https://a/', 'https://b/'],
      audiences: ['api'],
      scopes: ['orders:read', 'orders:write', 'admin'],
      anyScope: true,
      jwksUri: 'https://a/jwks',
      algorithms: ['RS256', 'ES256', 'EdDSA'],
      clockTolerance: '30s',
      maxTokenAge: '1h',
      timeout: '2s',
      realm: 'orders',
      strict: true,
      allowInsecureRequests: true,
      insecureHosts: ['keycloak', 'auth.dev'],
    });
  });

  it('leaves options unset and the token absent when not given', () => {
    expect(parseCliArgs(['verify'])).toMatchObject({
      token: undefined, issuers: [], audiences: [], scopes: [], anyScope: false, jwksUri: undefined,
      algorithms: undefined, strict: false, allowInsecureRequests: false, insecureHosts: [], json: false,
    });
  });

  it('parses inspect, with "-" for stdin and the token after the flags', () => {
    expect(parseCliArgs(['inspect', '-'])).toEqual({ command: 'inspect', token: '-', json: false });
    expect(parseCliArgs(['inspect', '--json', 'tok'])).toEqual({ command: 'inspect', token: 'tok', json: true });
  });

  it('reads help and version in every spelling', () => {
    expect(parseCliArgs(['--help'])).toEqual({ command: 'help', topic: undefined });
    expect(parseCliArgs(['-h'])).toEqual({ command: 'help', topic: undefined });
    expect(parseCliArgs(['help', 'verify'])).toEqual({ command: 'help', topic: 'verify' });
    expect(parseCliArgs(['inspect', 'tok', '--help'])).toEqual({ command: 'help', topic: 'inspect' });
    expect(parseCliArgs(['verify', '-h'])).toEqual({ command: 'help', topic: 'verify' });
    expect(parseCliArgs(['--version'])).toEqual({ command: 'version' });
    expect(parseCliArgs(['-v'])).toEqual({ command: 'version' });
  });

  it('refuses a missing or unknown command, naming it only when it looks like a command name', () => {
    expect(usage([]).message).toBe('a command is required: inspect or verify');
    expect(usage(['ispect']).message).toBe("unknown command 'ispect': expected inspect or verify");
    expect(usage(['eyJhbGciOi.eyJzdWIiOi.c2ln']).message).toBe("unknown command: expected inspect or verify (to read a token, run 'tollgate inspect <token>')");
    expect(usage(['--json']).message).toBe('unknown command: expected inspect or verify');
    expect(usage(['help', 'nope']).message).toBe('help takes one command name: inspect or verify');
    expect(usage(['--version', 'x']).message).toBe('--version takes no arguments');
  });

  it('refuses unknown options, missing values, values for switches and a second token, naming the command', () => {
    expect(usage(['verify', '--bogus'])).toMatchObject({ message: "unknown option '--bogus'", command: 'verify' });
    expect(usage(['verify', '--issuer']).message).toBe("option '--issuer <value>' argument missing");
    expect(usage(['inspect', '--json=yes']).message).toBe("option '--json' does not take an argument");
    expect(usage(['inspect', 'a', 'b'])).toMatchObject({ message: 'expected one token, got 2 arguments', command: 'inspect' });
  });

  it('redacts a token quoted back by parseArgs', () => {
    const message = usage(['inspect', '--eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl']).message;
    expect(message).toBe("unknown option '<token>'");
  });
});
