// main() in-process: the injected clock reaches the verifier, exact output, options and refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, encodeJwt, type TestIssuer } from '@tollgate/testing';
import { ExitCode } from '../src/index.js';
import { runMain } from './support/in-process.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256', 'RS256'] });
});
afterAll(() => issuer.close());

const trust = () => ['--issuer', issuer.issuer, '--audience', issuer.audience, '--allow-insecure-requests'];
// A fixed instant far from the real clock, so only the injected clock can make these tokens valid.
const T = Date.parse('2030-01-01T12:00:00Z') / 1000;

describe('main with an injected clock', () => {
  it('verifies against the injected time, not the process clock', async () => {
    const token = await issuer.sign({}, { now: T, expiresIn: 300 });
    const valid = await runMain(['verify', token, ...trust()], { now: (T + 60) * 1000 });
    expect(valid.code).toBe(ExitCode.Ok);
    expect(valid.stdout).toContain('  exp        2030-01-01T12:05:00Z (expires in 4 min)\n');
    expect(valid.stdout).toContain('  iat        2030-01-01T12:00:00Z (issued 60 s ago)\n');

    const expired = await runMain(['verify', token, ...trust()], { now: (T + 2 * 3600) * 1000 });
    expect(expired.code).toBe(ExitCode.InvalidToken);
    expect(expired.stdout).toContain('  why        exp 2030-01-01T12:05:00Z (expired 2 h ago)\n');
  });

  it('honours --clock-tolerance for exp', async () => {
    const token = await issuer.sign({}, { now: T, expiresIn: 300 });
    const now = (T + 320) * 1000;
    expect((await runMain(['verify', token, ...trust()], { now })).code).toBe(ExitCode.InvalidToken);
    expect((await runMain(['verify', token, ...trust(), '--clock-tolerance', '30s'], { now })).code).toBe(ExitCode.Ok);
  });

  it('prints inspect output exactly, times relative to the injected clock', async () => {
    const token = encodeJwt(
      { alg: 'RS256', typ: 'JWT', kid: 'k1' },
      { iss: 'https://auth.example.com/', sub: 'user-1', aud: ['https://api.example.com', 'other'], azp: 'spa', scp: ['orders:read'], exp: T + 240, iat: T - 60, tenant: { id: 7 } },
      'c2lnbmF0dXJl',
    );
    const result = await runMain(['inspect', token], { now: T * 1000 });
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'decoded, NOT verified (tollgate verify checks the signature)',
        'Header',
        '  alg        RS256',
        '  typ        JWT',
        '  kid        k1',
        'Claims',
        '  iss        https://auth.example.com/',
        '  sub        user-1',
        '  aud        https://api.example.com, other',
        '  azp        spa',
        '  scp        ["orders:read"]',
        '  exp        2030-01-01T12:04:00Z (expires in 4 min)',
        '  iat        2030-01-01T11:59:00Z (issued 60 s ago)',
        '  tenant     {"id":7}',
        'Signature    present (not shown)',
        '',
      ].join('\n'),
    });
  });
});

describe('main verify options', () => {
  it('--any-scope accepts one of the scopes; without it, all are required', async () => {
    const token = await issuer.sign({ scope: 'orders:admin' });
    const any = await runMain(['verify', token, ...trust(), '--any-scope', '--scope', 'orders:write', '--scope', 'orders:admin']);
    expect(any.code).toBe(ExitCode.Ok);
    expect(any.stdout).toMatch(/^valid: .*; scopes: any of orders:write orders:admin\n/);
    const all = await runMain(['verify', token, ...trust(), '--scope', 'orders:write', '--scope', 'orders:admin']);
    expect(all.code).toBe(ExitCode.InsufficientScope);
    expect(all.stdout).toContain('scope="orders:write orders:admin"');
  });

  it('renders the realm of --realm into the challenge', async () => {
    const token = await issuer.sign({ aud: 'https://elsewhere.example' });
    const result = await runMain(['verify', token, ...trust(), '--realm', 'orders']);
    expect(result.stdout).toContain('WWW-Authenticate: Bearer realm="orders", error="invalid_token", error_description="audience mismatch"\n');
  });

  it('--strict refuses a token without typ at+jwt', async () => {
    const token = await issuer.sign({}, { header: { typ: 'JWT' } });
    expect((await runMain(['verify', token, ...trust()])).code).toBe(ExitCode.Ok);
    const strict = await runMain(['verify', token, ...trust(), '--strict']);
    expect(strict.code).toBe(ExitCode.InvalidToken);
    expect(strict.stdout).toContain('  reason     token_type\n');
    expect(strict.stdout).toContain('  why        typ JWT\n');
  });

  it('--algorithms limits the allowed algorithms', async () => {
    const token = await issuer.sign({}, { alg: 'RS256' });
    const result = await runMain(['verify', token, ...trust(), '--algorithms', 'ES256']);
    expect(result.code).toBe(ExitCode.InvalidToken);
    expect(result.stdout).toContain('  why        alg RS256; allowed: ES256\n');
  });

  it('--jwks-uri skips discovery', async () => {
    const token = await issuer.sign();
    issuer.resetRequests();
    const result = await runMain(['verify', token, ...trust(), '--jwks-uri', issuer.jwksUri]);
    expect(result.code).toBe(ExitCode.Ok);
    expect(issuer.requests).toMatchObject({ discovery: 0, jwks: 1 });
  });

  it('refuses the HS256 key-confusion forgery before fetching keys', async () => {
    const token = issuer.unsafe.hmacWithPublicKey();
    issuer.resetRequests();
    const result = await runMain(['verify', token, ...trust()]);
    expect(result.code).toBe(ExitCode.InvalidToken);
    expect(result.stdout).toContain('  why        alg HS256; allowed: RS256, PS256, ES256, EdDSA\n');
    expect(issuer.requests.total).toBe(0);
  });

  it('refuses a cnf-bound token as a bearer token', async () => {
    const token = await issuer.sign({ cnf: { jkt: 'thumbprint' } });
    const result = await runMain(['verify', token, ...trust()]);
    expect(result.code).toBe(ExitCode.InvalidToken);
    expect(result.stdout).toContain('  reason     sender_constrained\n');
    expect(result.stdout).toContain('  why        this token is DPoP-bound (cnf.jkt thumbprint): send it as Authorization: DPoP with a DPoP proof signed by that key (RFC 9449 section 7.1)');
  });

  it('explains a certificate-bound token and a binding it cannot read', async () => {
    const bound = await runMain(['verify', await issuer.sign({ cnf: { 'x5t#S256': 'cert-thumb' } }), ...trust()]);
    expect(bound.stdout).toContain('  why        this token is certificate-bound (cnf x5t#S256 cert-thumb): it is valid only over mutual TLS');
    const odd = await runMain(['verify', await issuer.sign({ cnf: { jwk: { kty: 'EC' } } }), ...trust()]);
    expect(odd.code).toBe(ExitCode.InvalidToken);
    expect(odd.stdout).toMatch(/ {2}why {8}cnf .*: the token is bound to a key in a way the API cannot check/);
  });

  it('shows the unknown kid of a token signed with an unpublished key', async () => {
    const key = await issuer.rotate({ alg: 'ES256', publish: false, kid: 'unpublished-1' });
    const token = await issuer.sign({}, { kid: key.kid });
    const result = await runMain(['verify', token, ...trust()]);
    expect(result.code).toBe(ExitCode.InvalidToken);
    expect(result.stdout).toContain('  reason     unknown_key\n');
    expect(result.stdout).toContain('  why        kid unpublished-1, alg ES256\n');
  });
});

describe('main output safety', () => {
  it('escapes control and bidi characters of hostile claims, in text and in JSON', async () => {
    const token = await issuer.sign({ sub: 'evil\u001b]0;owned\u0007\u202e\u0085' });
    const text = await runMain(['inspect', token]);
    expect(text.stdout).not.toMatch(/[\u001b\u0007\u202e\u0085]/);
    expect(text.stdout).toContain('  sub        evil\\u001b]0;owned\\u0007\\u202e\\u0085\n');
    const json = await runMain(['verify', token, ...trust(), '--json']);
    expect(json.stdout).not.toMatch(/[\u001b\u0007\u202e\u0085]/);
    expect((JSON.parse(json.stdout) as { subject: string }).subject).toBe('evil\u001b]0;owned\u0007\u202e\u0085');
  });

  it('answers at once when the discovery document names a 256 KiB issuer (the hint is redacted in linear time)', async () => {
    const long = await createTestIssuer({ algorithms: ['ES256'], advertisedIssuer: `https://evil.example/${'a'.repeat(250_000)}` });
    try {
      const token = await long.sign();
      const started = performance.now();
      const result = await runMain(['verify', token, '--issuer', long.issuer, '--audience', long.audience, '--allow-insecure-requests']);
      // Bounded generously for a loaded machine: the quadratic redaction took minutes here.
      expect(performance.now() - started).toBeLessThan(2000);
      expect(result.code).toBe(ExitCode.Unavailable);
      expect(result.stdout).toMatch(/^refused: signing keys are temporarily unavailable\n/);
      // The hint quotes the document's issuer, cut short.
      expect(result.stdout).toContain('  why        ');
      expect(Math.max(...result.stdout.split('\n').map((line) => line.length))).toBeLessThan(400);
    } finally {
      await long.close();
    }
  });

  // One character of each category the CLI must escape: Cc, Cf (ALM, zero-width, BOM, a tag character), Zl, Zp.
  const HOSTILE = 'x\u0007\u061c\u200b\u2060\ufeff\u{e0041}\u2028\u2029y';
  // Any of them raw in the output; a newline is the CLI's own.
  const RAW = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

  it('escapes Cc, Cf, Zl and Zp characters on every output path: inspect, verify, refusals, usage errors', async () => {
    const claims = { sub: HOSTILE, [`k${HOSTILE}`]: [HOSTILE], client_id: HOSTILE };
    const good = await issuer.sign(claims);
    const paths = {
      inspect: await runMain(['inspect', good]),
      inspectJson: await runMain(['inspect', good, '--json']),
      inspectTimes: await runMain(['inspect', await issuer.sign({ exp: HOSTILE, nbf: HOSTILE, iat: HOSTILE }, { header: { typ: HOSTILE } })]),
      verify: await runMain(['verify', good, ...trust()]),
      verifyJson: await runMain(['verify', good, ...trust(), '--json']),
      refused: await runMain(['verify', await issuer.sign({ iss: HOSTILE }), ...trust()]),
      refusedJson: await runMain(['verify', await issuer.sign({ aud: HOSTILE }), ...trust(), '--json']),
      usage: await runMain(['verify', good, '--issuer', HOSTILE, '--audience', 'x']),
      unknownOption: await runMain(['inspect', good, `--${HOSTILE}`]),
    };
    for (const [path, run] of Object.entries(paths)) {
      expect(`${run.stdout}${run.stderr}`, path).not.toMatch(RAW);
      expect(`${run.stdout}${run.stderr}`, path).toMatch(/\\u200b/);
    }
    // Escapes are JSON escapes: --json output parses back to the very values.
    expect(JSON.parse(paths.inspectJson.stdout)).toMatchObject({ subject: HOSTILE, clientId: HOSTILE, claims: { [`k${HOSTILE}`]: [HOSTILE] } });
    expect(JSON.parse(paths.verifyJson.stdout)).toMatchObject({ valid: true, subject: HOSTILE });
    expect(JSON.parse(paths.refusedJson.stdout)).toMatchObject({ valid: false, reason: 'audience' });
  });

  it('never echoes a token given where an option value belongs', async () => {
    const token = await issuer.sign();
    const result = await runMain(['verify', '-', '--issuer', token, '--audience', 'x']);
    expect(result.code).toBe(ExitCode.Usage);
    expect(result.stderr).toContain("--issuer: '<token>' is not an absolute URL");
    expect(result.stderr).not.toContain(token.split('.')[1]!);
  });

  it('does not echo an unknown command that is a token', async () => {
    const token = await issuer.sign();
    const result = await runMain([token]);
    expect(result.code).toBe(ExitCode.Usage);
    expect(result.stderr).toBe("tollgate: unknown command: expected inspect or verify (to read a token, run 'tollgate inspect <token>')\nRun 'tollgate --help' for usage.\n");
  });

  it('does not wait on a terminal: no token and stdin a TTY is a usage error', async () => {
    const result = await runMain(['inspect']);
    expect(result.code).toBe(ExitCode.Usage);
    expect(result.stderr.split('\n')[0]).toBe('tollgate: no token: pass it as an argument, or pipe it in (… | tollgate <command> -)');
  });

  it('reads the token from a piped stdin given "-", whatever the case of "Bearer"', async () => {
    const token = await issuer.sign();
    const result = await runMain(['inspect', '-', '--json'], { stdin: `\n\tbearer   ${token}\r\n` });
    expect(result.code).toBe(ExitCode.Ok);
    expect((JSON.parse(result.stdout) as { claims: { iss: string } }).claims.iss).toBe(issuer.issuer);
  });
});

describe('main usage errors', () => {
  it('exit 64 with one message for a missing value, an invalid scope, two tokens', async () => {
    const token = await issuer.sign();
    const cases: [string[], string][] = [
      [['verify', token, ...trust(), '--scope'], "tollgate: option '--scope <value>' argument missing"],
      [['verify', token, ...trust(), '--scope', 'a"b'], 'tollgate: --scope: "a\\"b" is not a valid scope (RFC 6749 section 3.3: printable ASCII, no spaces, quotes or backslashes)'],
      [['verify', token, token, ...trust()], 'tollgate: expected one token, got 2 arguments'],
      [['verify', token, ...trust(), '--clock-tolerance', 'soon'], 'tollgate: invalid options'],
    ];
    for (const [argv, message] of cases) {
      const result = await runMain(argv);
      expect(result.code).toBe(ExitCode.Usage);
      expect(result.stdout).toBe('');
      expect(result.stderr.split('\n')[0]).toBe(message);
    }
  });

  it('reports at once an option value of 60 000 lines that core quotes back (no backtracking over its lines)', async () => {
    const started = performance.now();
    const result = await runMain(['verify', 'a.b.c', '--issuer', ' \n'.repeat(60_000), '--audience', 'x']);
    // Bounded generously for a loaded machine: the old flag-mapping pattern took seconds, quadratic in the lines.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result.code).toBe(ExitCode.Usage);
    expect(result.stderr.split('\n')[1]).toMatch(/^  - --issuer: ' /);
  });

  it('maps core option names to flags in its messages', async () => {
    const result = await runMain(['verify', 'a.b.c', '--issuer', 'https://a/', '--audience', 'x', '--clock-tolerance', 'soon', '--timeout', 'never']);
    expect(result.stderr).toBe(
      [
        'tollgate: invalid options',
        "  - --clock-tolerance: expected clockTolerance as seconds (a number >= 0) or text like '30s', '10m', '1h'",
        "  - --timeout: expected timeout as seconds (a number >= 0) or text like '30s', '10m', '1h'",
        "Run 'tollgate verify --help' for usage.",
        '',
      ].join('\n'),
    );
  });
});

describe('main help', () => {
  it('prints help for each command and the exit codes', async () => {
    for (const argv of [['--help'], ['-h'], ['help'], ['help', 'verify'], ['verify', '--help'], ['inspect', '-h']]) {
      const result = await runMain(argv);
      expect(result.code).toBe(ExitCode.Ok);
      expect(result.stdout).toContain('Exit codes:\n  0   valid (verify) or decoded (inspect)\n');
    }
    expect((await runMain(['help', 'inspect'])).stdout).toMatch(/^Usage: tollgate inspect/);
  });
});
