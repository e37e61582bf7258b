// Imports each built package the way a user would: ESM import, and require() (Node >= 20.19).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const packages: Record<string, string[]> = {
  '@tollgate/core': ['DECISION_CHANNEL', 'JWKS_CHANNEL', 'createVerifier', 'verifyToken', 'extractBearerToken', 'hasScopes', 'TollgateError', 'InvalidTokenError', 'InsufficientScopeError', 'JwksUnavailableError'],
  '@tollgate/testing': ['createTestIssuer', 'encodeJwt', 'tamperSignature'],
  '@tollgate/express': ['requireAuth', 'requireScope', 'requireAnyScope', 'configure', 'tollgateErrorHandler', 'RequireScope', 'InvalidTokenError'],
  '@tollgate/koa': ['requireAuth', 'requireScope', 'requireAnyScope', 'configure', 'tollgateErrorHandler', 'RequireScope', 'InvalidTokenError'],
  '@tollgate/fastify': ['default', 'tollgate', 'configure', 'tollgateErrorHandler', 'RequireScope', 'InvalidTokenError'],
  '@tollgate/cli': ['main', 'ExitCode'],
};

const node = (code: string, type: 'module' | 'commonjs') =>
  execFileSync(process.execPath, ['--input-type', type, '-e', code], { cwd: root, encoding: 'utf8', timeout: 20_000 });

describe.each(Object.entries(packages))('%s as published', (name, expected) => {
  it('has exports whose types and default files exist', () => {
    const dir = join(root, 'packages', name.split('/')[1]!);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      type: string;
      exports: { '.': { types: string; default: string } };
    };
    expect(manifest.type).toBe('module');
    expect(existsSync(join(dir, manifest.exports['.'].types))).toBe(true);
    expect(existsSync(join(dir, manifest.exports['.'].default))).toBe(true);
  });

  it('loads with import()', () => {
    const out = node(`const m = await import('${name}'); console.log(JSON.stringify(Object.keys(m)))`, 'module');
    expect(JSON.parse(out)).toEqual(expect.arrayContaining(expected));
  });

  it('loads with require()', () => {
    const out = node(`const m = require('${name}'); console.log(JSON.stringify(Object.keys(m)))`, 'commonjs');
    expect(JSON.parse(out)).toEqual(expect.arrayContaining(expected));
  });
});

it('links the tollgate bin into node_modules/.bin at install, and it runs', () => {
  const out = execFileSync(join(root, 'node_modules', '.bin', 'tollgate'), ['--version'], { cwd: root, encoding: 'utf8', timeout: 20_000 });
  expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
});

it('shares one TollgateError class between core and every adapter, so instanceof works anywhere', () => {
  const out = node(
    `const core = await import('@tollgate/core');
     const adapters = await Promise.all(['express', 'koa', 'fastify'].map((n) => import('@tollgate/' + n)));
     console.log(adapters.every((a) => a.TollgateError === core.TollgateError && a.InvalidTokenError === core.InvalidTokenError));`,
    'module',
  );
  expect(out.trim()).toBe('true');
});
