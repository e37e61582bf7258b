// The demo as a user runs it: `node examples/dist/demo.js` with each of its modes.
import { spawn } from 'node:child_process';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { built, root, runNode, startNode } from './child.js';

// A compact JWS (three base64url parts starting with a JSON header): no token may appear in the output.
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

/** Does what the first curl command `--serve` prints does: a client credentials token for orders-admin. */
async function adminToken(output: string): Promise<string> {
  const [, secret, tokenEndpoint] = /-u 'orders-admin:([\w-]+)' -d grant_type=client_credentials (\S+)/.exec(output)!;
  const response = await fetch(tokenEndpoint!, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`orders-admin:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
    signal: AbortSignal.timeout(5000),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

describe('pnpm demo', () => {
  it('runs every step on 127.0.0.1 and exits 0 with the expected transcript', async () => {
    const { code, stdout, stderr } = await runNode('demo.js');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).not.toContain('✗');
    expect(stdout).toMatch(/all \d+ checks passed/);
    for (const line of [
      /✓ orders-admin \(client_secret_basic\) → token for "orders:read orders:write"/,
      /✓ orders-reader \(client_secret_post\) → token for "orders:read"/,
      /✓ orders-service \(private_key_jwt\) → token for "orders:read"/,
      /claims: \{"iss":"http:\/\/127\.0\.0\.1:\d+","sub":"orders-admin"/,
      /✓ orders-reader asks for orders:write → 400 invalid_scope/,
      /✓ orders-admin with a wrong secret → 401 invalid_client/,
      /✓ JWKS endpoint down {2}→ 503 temporarily_unavailable, Retry-After: \d+/,
      /✓ JWKS endpoint back, .* → 200/,
      /✓ \d+ API requests, 3 token requests: each client fetched once and reused its cached token/,
      /✓ orders-reader with dpop → token_type DPoP, cnf\.jkt = the thumbprint of its key/,
      /✓ GET {2}with Authorization: DPoP and a proof \(client\.fetch\) {2}→ 200/,
      /✓ GET {2}replaying that request's proof {2}→ 401 invalid_dpop_proof/,
      /✓ GET {2}the bound token as Bearer, without a proof {2}→ 401 invalid_token/,
      // The MCP step: the SDK's client against examples/mcp/mcp-server.ts.
      /✓ the SDK client connects without a token → 401, challenge names the metadata/,
      /then, by itself: \/\.well-known\/oauth-protected-resource\/mcp → \/\.well-known\/oauth-authorization-server → \/oauth\/token/,
      /✓ its client credentials token is for this server \(aud http:\/\/127\.0\.0\.1:\d+\/mcp\), scope "orders:read"/,
      /✓ tools\/list → list_orders, cancel_orders/,
      /✓ tools\/call list_orders → .*"client":"orders-agent"/,
      /✓ tools\/call cancel_orders → 403 insufficient_scope naming orders:write, before the tool ran/,
      /✓ a token issued for https:\/\/other-mcp\.example\.test\/mcp → 401 invalid_token/,
    ]) {
      expect(stdout).toMatch(line);
    }
    for (const framework of ['express', 'koa', 'fastify', 'hono', 'nest', 'nest-fastify']) {
      const section = stdout.split(`\n${framework}  `)[1]?.split('\n\n')[0] ?? '';
      expect(section).toMatch(/✓ GET {2}as orders-reader +→ 200/);
      expect(section).toMatch(/✓ POST as orders-admin +→ 201/);
      expect(section).toMatch(/✓ POST as orders-reader \(no orders:write\) +→ 403 insufficient_scope/);
      expect(section).toMatch(/WWW-Authenticate: Bearer realm="api", error="insufficient_scope".*scope="orders:write"/);
      expect(section).toMatch(/✓ GET {2}with a token that expired a minute ago +→ 401 invalid_token \(token expired\)/);
      expect(section).toMatch(/✓ POST with a tampered token \(scope edited\) +→ 401 invalid_token/);
      expect(section).toMatch(/→ 400 invalid_request/);
    }
    expect(stdout).not.toMatch(JWT);
  }, 60_000);

  it('--serve prints curl commands that work, and stops cleanly on SIGTERM', async () => {
    const demo = startNode('demo.js', ['--serve']);
    try {
      const output = await demo.waitFor(/\n {2}curl -i -X POST [^\n]*\n[\s\S]*\n {2}curl -i -X POST [^\n]*\n/);
      expect(output).toMatch(/TOKEN=\$\(curl -s -u 'orders-admin:[\w-]+' -d grant_type=client_credentials http:\/\/127\.0\.0\.1:\d+\/oauth\/token/);
      // The printed secret really gets a token.
      const token = await adminToken(output);
      const [, api] = /express API +(\S+)/.exec(output)!;
      const orders = await fetch(api!, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
      expect(orders.status).toBe(201);
    } finally {
      demo.child.kill('SIGTERM');
    }
    const { code, signal } = await demo.done;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(demo.output()).toMatch(/stopped\n$/);
  }, 60_000);

  it('--serve prints the audience and a tollgate verify command that accepts the fetched token', async () => {
    const demo = startNode('demo.js', ['--serve']);
    try {
      const output = await demo.waitFor(/tollgate verify "\$TOKEN" [^\n]*\n/);
      expect(output).toMatch(/\n {2}audience {9}https:\/\/api\.example\.test\n/);
      const [, issuerUrl, audience] = /tollgate verify "\$TOKEN" --issuer (\S+) --audience (\S+) --scope orders:read --allow-insecure-requests/.exec(output)!;
      const token = await adminToken(output);
      const verified = await runNode('../../packages/cli/bin/tollgate.js', ['verify', token, '--issuer', issuerUrl!, '--audience', audience!, '--scope', 'orders:read', '--allow-insecure-requests']);
      expect(verified.code).toBe(0);
      expect(verified.stdout).toMatch(/^valid/);
    } finally {
      demo.child.kill('SIGTERM');
    }
    expect((await demo.done).code).toBe(0);
  }, 60_000);

  it('--serve stops by itself when the process that started it is gone (as when npx or pnpm is killed)', async () => {
    // A parent that starts the demo and is then killed outright, with no chance to pass a signal on.
    const parent = spawn(
      process.execPath,
      ['-e', `const c = require('node:child_process').spawn(process.execPath, [${JSON.stringify(built('demo.js'))}, '--serve'], { stdio: ['ignore', 'inherit', 'inherit'] }); console.log('PID ' + c.pid); setInterval(() => {}, 1000);`],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: 40_000 },
    );
    let output = '';
    parent.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const deadline = Date.now() + 30_000;
    while (!/serving until/.test(output) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const pid = Number(/PID (\d+)/.exec(output)?.[1]);
    expect(Number.isInteger(pid)).toBe(true);
    const [, api] = /express API +(\S+)/.exec(output)!;
    parent.kill('SIGKILL');
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const stopBy = Date.now() + 10_000;
    while (alive() && Date.now() < stopBy) await new Promise((resolve) => setTimeout(resolve, 100));
    if (alive()) process.kill(pid, 'SIGKILL');
    expect(alive()).toBe(false);
    await expect(fetch(api!, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  }, 60_000);

  describe('--issuer', () => {
    let issuer: TestIssuer;
    beforeAll(async () => {
      issuer = await createTestIssuer({ algorithms: ['ES256'] });
    });
    afterAll(async () => {
      await issuer?.close();
    });

    it('serves every API for another issuer, with no embedded one', async () => {
      const demo = startNode('demo.js', ['--issuer', issuer.issuer, '--audience', issuer.audience]);
      try {
        const output = await demo.waitFor(/export TOKEN=[\s\S]*curl -i -X POST/);
        expect(output).not.toMatch(/oauth\/token/);
        const apis = [...output.matchAll(/^ {2}(?:express|koa|fastify|hono|nest|nest-fastify) API +(\S+)/gm)].map((match) => match[1]!);
        expect(apis).toHaveLength(6);
        const token = await issuer.sign({ scope: 'orders:read' });
        for (const api of apis) {
          const response = await fetch(api, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
          expect(response.status).toBe(200);
        }
      } finally {
        demo.child.kill('SIGTERM');
      }
      expect((await demo.done).code).toBe(0);
    }, 60_000);
  });

  it('exits 64 with the usage for an unknown flag, a lone --issuer or --audience, or an issuer tollgate refuses', async () => {
    const cases = [
      ['--bogus'],
      ['--issuer', 'https://auth.example.com/'],
      ['--audience', 'https://api.example.com'],
      ['--issuer', 'not a url', '--audience', 'a'],
      ['--issuer', 'http://auth.example.com/', '--audience', 'a'], // plain http off loopback
      ['extra'],
    ];
    const runs = await Promise.all(cases.map((args) => runNode('demo.js', args)));
    runs.forEach(({ code, stdout, stderr }, index) => {
      expect({ args: cases[index], code, stdout }).toEqual({ args: cases[index], code: 64, stdout: '' });
      expect(stderr).toMatch(/^demo: /);
    });
  }, 40_000);

  it('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await runNode('demo.js', ['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: pnpm demo/);
  }, 30_000);
});
