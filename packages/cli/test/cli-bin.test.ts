// End to end: the built `tollgate` bin in a child process against a real local issuer on 127.0.0.1.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, tamperSignature, type TestIssuer } from '@tollgate/testing';
import { runCli, type CliRun } from './support/run-cli.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256', 'RS256'] });
});
afterAll(() => issuer.close());

const trust = () => ['--issuer', issuer.issuer, '--audience', issuer.audience, '--allow-insecure-requests'];

/** Runs the bin and checks what must never be printed: the token, its signature, a stack frame, a path. */
async function run(args: readonly string[], token?: string, input?: string): Promise<CliRun> {
  const result = await runCli(args, input === undefined ? {} : { input });
  const output = result.stdout + result.stderr;
  if (token) {
    expect(output).not.toContain(token);
    const signature = token.split('.')[2];
    if (signature) expect(output).not.toContain(signature);
  }
  expect(output).not.toMatch(/\n\s+at /);
  for (const path of ['/src/', '.ts:', 'node_modules', 'file://']) expect(output).not.toContain(path);
  return result;
}

const challenge = (run: CliRun) => /^WWW-Authenticate: (.*)$/m.exec(run.stdout)?.[1];

describe('tollgate verify', () => {
  it('accepts a valid token: exit 0, "valid", the claims, never the signature', async () => {
    const token = await issuer.sign({ scope: 'orders:read' });
    const result = await run(['verify', token, ...trust()], token);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^valid: /);
    expect(result.stdout).toContain(`iss        ${issuer.issuer}`);
    expect(result.stdout).toMatch(/exp {8}\S+Z \(expires in 5 min\)/);
    expect(result.stdout).toContain('Signature    present (not shown)');
    expect(result.stderr).toBe('');
  });

  it('refuses an expired token: exit 1, reason expired, the exact challenge and body', async () => {
    const token = await issuer.sign({}, { now: Math.floor(Date.now() / 1000) - 7200 });
    const result = await run(['verify', token, ...trust()], token);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^refused: token expired\n/);
    expect(result.stdout).toContain('  reason     expired\n');
    expect(result.stdout).toMatch(/why {8}exp \S+Z \(expired 2 h ago\)/);
    expect(result.stdout).toContain('HTTP/1.1 401 Unauthorized\n');
    expect(challenge(result)).toBe('Bearer realm="api", error="invalid_token", error_description="token expired"');
    expect(result.stdout).toContain('Cache-Control: no-store\n');
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('{"error":"invalid_token","error_description":"token expired"}');
  });

  it('refuses a token for another audience and says which audience it has', async () => {
    const token = await issuer.sign({ aud: 'https://other.example.test' });
    const result = await run(['verify', token, ...trust()], token);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('  reason     audience\n');
    expect(result.stdout).toContain(`why        aud https://other.example.test; expected ${issuer.audience}`);
    expect(challenge(result)).toBe('Bearer realm="api", error="invalid_token", error_description="audience mismatch"');
  });

  it('refuses a tampered signature', async () => {
    const token = tamperSignature(await issuer.sign());
    const result = await run(['verify', token, ...trust()], token);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('  reason     signature\n');
    expect(challenge(result)).toBe('Bearer realm="api", error="invalid_token", error_description="invalid signature"');
  });

  it('refuses a token without a required scope: exit 2, 403 and scope="..." in the challenge', async () => {
    const token = await issuer.sign({ scope: 'orders:read' });
    const result = await run(['verify', token, ...trust(), '--scope', 'orders:read', '--scope', 'orders:write'], token);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('HTTP/1.1 403 Forbidden\n');
    expect(challenge(result)).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read orders:write"',
    );
    expect(result.stdout).toContain('why        token scopes: orders:read; required all of: orders:read orders:write');
  });

  it('exits 3 quickly, with a 503 and Retry-After, when the issuer is down', async () => {
    const token = await issuer.sign();
    issuer.setFault({ kind: 'down' });
    try {
      const result = await run(['verify', token, ...trust(), '--timeout', '10s'], token);
      expect(result.code).toBe(3);
      expect(result.stdout).toContain('HTTP/1.1 503 Service Unavailable\n');
      expect(result.stdout).toMatch(/^Retry-After: \d+$/m);
      expect(challenge(result)).toBe(
        'Bearer realm="api", error="temporarily_unavailable", error_description="signing keys are temporarily unavailable"',
      );
      // Well under the fetch timeout: a dropped connection fails at once, it is not waited out.
      expect(result.ms).toBeLessThan(8000);
    } finally {
      issuer.setFault(null);
    }
  });

  it('exits 3 when nothing listens at the JWKS URI', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, 'close');
    const token = await issuer.sign();
    const jwksUri = `http://127.0.0.1:${port}/jwks.json`;
    const result = await run(['verify', token, ...trust(), '--jwks-uri', jwksUri, '--timeout', '10s'], token);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(`why        GET ${jwksUri} failed`);
    expect(result.ms).toBeLessThan(8000);
  });

  it('reads the token from stdin, given "-" or nothing, with a "Bearer " prefix and a newline', async () => {
    const token = await issuer.sign();
    for (const args of [['verify', '-', ...trust()], ['verify', ...trust()]]) {
      const result = await run(args, token, `Bearer ${token}\n`);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^valid: /);
    }
  });

  it('--json prints one object: the accepted token without the signature', async () => {
    const token = await issuer.sign({ scope: 'a b' });
    const result = await run(['verify', token, ...trust(), '--json'], token);
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      valid: true,
      header: { alg: 'ES256', typ: 'at+jwt' },
      claims: { iss: issuer.issuer, aud: issuer.audience, scope: 'a b' },
      scopes: ['a', 'b'],
      clientId: 'client-123',
      subject: 'client-123',
      issuer: issuer.issuer,
      audience: [issuer.audience],
      warnings: [],
    });
    expect(json.expiresIn).toBeGreaterThan(290);
    expect(json.expiresIn).toBeLessThanOrEqual(300);
    expect(Object.keys(json)).not.toContain('token');
  });

  it('--json prints one object for a refusal: status, code, reason, description, challenge', async () => {
    const token = await issuer.sign({ scope: 'a' });
    const result = await run(['verify', token, ...trust(), '--scope', 'b', '--json'], token);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      valid: false,
      status: 403,
      code: 'insufficient_scope',
      reason: 'insufficient_scope',
      description: 'token lacks a required scope',
      wwwAuthenticate: 'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="b"',
      headers: {
        'WWW-Authenticate': 'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="b"',
        'Cache-Control': 'no-store',
        'Content-Type': 'application/json; charset=utf-8',
      },
      body: { error: 'insufficient_scope', error_description: 'token lacks a required scope' },
      hint: 'token scopes: a; required all of: b',
    });
  });

  it('reports a malformed token as invalid_token with what is wrong', async () => {
    const result = await run(['verify', 'abc.def', ...trust()]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('  reason     malformed_token\n');
    expect(result.stdout).toContain("why        not a JWT: expected 3 segments separated by '.', found 2");
  });
});

describe('tollgate verify: usage errors exit 64 without contacting the issuer', () => {
  it('names a missing --issuer with core\'s message', async () => {
    const token = await issuer.sign();
    const result = await run(['verify', token, '--audience', 'x'], token);
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^tollgate: invalid options\n {2}- --issuer: must name at least one issuer identifier/);
    expect(result.stderr).toContain("Run 'tollgate verify --help' for usage.");
  });

  it('names --allow-insecure-host for an http issuer off loopback, and accepts it for that host', async () => {
    const refused = await run(['verify', 'x.y.z', '--issuer', 'http://keycloak:8080/realms/orders', '--audience', 'a', '--allow-insecure-requests']);
    expect(refused.code).toBe(64);
    expect(refused.stderr).toContain('--allow-insecure-requests allows http on localhost, 127.0.0.1 and [::1] only');
    expect(refused.stderr).toContain('name it: --allow-insecure-host keycloak (never in production');
    const named = await run(['verify', 'x.y.z', '--issuer', 'http://keycloak:8080/realms/orders', '--audience', 'a', '--allow-insecure-host', 'keycloak']);
    expect(named.stderr).not.toContain('must be an https URL');
    const bad = await run(['verify', 'x.y.z', '--issuer', 'http://keycloak:8080/', '--audience', 'a', '--allow-insecure-host', 'bad host!']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain("- --allow-insecure-host: 'bad host!' is not a hostname");
  });

  it('refuses HS256 in --algorithms and an http issuer without --allow-insecure-requests', async () => {
    const token = await issuer.sign();
    issuer.resetRequests();
    const hs = await run(['verify', token, ...trust(), '--algorithms', 'ES256,HS256'], token);
    expect(hs.code).toBe(64);
    expect(hs.stderr).toContain("--algorithms: 'HS256' is symmetric (a shared secret)");
    const http = await run(['verify', token, '--issuer', issuer.issuer, '--audience', issuer.audience], token);
    expect(http.code).toBe(64);
    expect(http.stderr).toContain(`--issuer: '${issuer.issuer}' is not https; for local development pass --allow-insecure-requests`);
    expect(issuer.requests.total).toBe(0);
  });

  it('refuses an unknown flag', async () => {
    const token = await issuer.sign();
    const result = await run(['verify', token, ...trust(), '--bogus'], token);
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe("tollgate: unknown option '--bogus'\nRun 'tollgate verify --help' for usage.\n");
  });

  it('refuses a stdin over 64 KiB without buffering it all', async () => {
    const result = await run(['inspect'], undefined, 'x'.repeat(200 * 1024));
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('stdin holds more than 64 KiB');
  });

  it('says so when there is no token at all', async () => {
    const result = await run(['verify', ...trust()], undefined, '\n');
    expect(result.code).toBe(64);
    expect(result.stderr.split('\n')[0]).toBe('tollgate: no token on stdin');
  });
});

describe('tollgate inspect', () => {
  it('decodes without verifying: times in words, scopes, never the signature', async () => {
    const token = await issuer.sign({ scope: 'orders:read', nbf: Math.floor(Date.now() / 1000) - 600 });
    const result = await run(['inspect', token], token);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^decoded, NOT verified/);
    expect(result.stdout).toContain('  scope      orders:read\n');
    expect(result.stdout).toMatch(/ {2}exp {8}\S+Z \(expires in 5 min\)\n/);
    expect(result.stdout).toMatch(/ {2}nbf {8}\S+Z \(valid since 10 min ago\)\n/);
    expect(result.stdout).not.toContain('Warnings');
  });

  it('warns about what a resource server refuses: alg none, crit, cnf, no exp', async () => {
    const token = issuer.unsafe.algNone({ cnf: { jkt: 'abc' }, exp: undefined }, { crit: ['exp'] });
    const result = await run(['inspect', token], token);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Signature    none\n');
    expect(result.stdout).toContain('  ! alg none: the token is unsigned');
    expect(result.stdout).toContain('  ! crit header: refused');
    expect(result.stdout).toContain('  ! cnf claim: the token is bound to a key');
    expect(result.stdout).toContain('  ! no exp claim: refused');
  });

  it('--json prints the decoded token, verified: false, and the warnings', async () => {
    const token = await issuer.sign({}, { now: Math.floor(Date.now() / 1000) - 3600 });
    const result = await run(['inspect', '--json', '-'], token, `  ${token}  \n`);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { verified: boolean; expiresIn: number; warnings: string[]; claims: Record<string, unknown> };
    expect(json.verified).toBe(false);
    expect(json.claims.iss).toBe(issuer.issuer);
    expect(json.expiresIn).toBeLessThan(-3200);
    expect(json.warnings).toEqual(['expired 55 min ago: refused once past the clock tolerance (5 s by default)']);
  });

  it('gives a one-line error for a malformed token, exit 1', async () => {
    const result = await run(['inspect', 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('tollgate: malformed token: the claims segment is not JSON\n');
  });

});

describe('tollgate help and version (no core loaded)', () => {
  it('--help documents the commands and every exit code', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    for (const code of ['0 ', '1 ', '2 ', '3 ', '64', '70']) expect(result.stdout).toMatch(new RegExp(`^ {2}${code} `, 'm'));
    expect((await run(['verify', '--help'])).stdout).toContain('--allow-insecure-requests');
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = await run(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

});
