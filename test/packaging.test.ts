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
  '@tollgate/hono': ['requireAuth', 'requireScope', 'requireAnyScope', 'configure', 'tollgateErrorHandler', 'TollgateHttpException', 'InvalidTokenError'],
  '@tollgate/fastify': ['default', 'tollgate', 'configure', 'tollgateErrorHandler', 'RequireScope', 'InvalidTokenError'],
  '@tollgate/nestjs': ['TollgateModule', 'TollgateGuard', 'Scopes', 'AnyScope', 'Public', 'OptionalAuth', 'Auth', 'TollgateException', 'TollgateExceptionFilter', 'InvalidTokenError'],
  '@tollgate/cli': ['main', 'ExitCode'],
  '@tollgate/redis': ['createRedisReplayStore', 'createRedisIntrospectionCache', 'RedisUnavailableError', 'REDIS_CHANNEL'],
  '@tollgate/client': ['createTokenClient', 'TokenRequestError', 'CLIENT_CHANNEL'],
  '@tollgate/mcp': ['tokenVerifier', 'requireMcpAuth', 'requireToolScopes', 'accessTokenOf'],
};

const node = (code: string, type: 'module' | 'commonjs') =>
  execFileSync(process.execPath, ['--input-type', type, '-e', code], { cwd: root, encoding: 'utf8', timeout: 20_000 });

describe.each(Object.entries(packages))('%s as published', (name, expected) => {
  it('has exports whose ESM and CommonJS types and files exist', () => {
    const dir = join(root, 'packages', name.split('/')[1]!);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      type: string;
      exports: Record<string, string | Record<'import' | 'require', { types: string; default: string }>>;
    };
    expect(manifest.type).toBe('module');
    for (const target of Object.values(manifest.exports)) {
      if (typeof target === 'string') continue;
      for (const condition of [target.import, target.require]) {
        expect(existsSync(join(dir, condition.types))).toBe(true);
        expect(existsSync(join(dir, condition.default))).toBe(true);
      }
    }
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

it('require() loads the CommonJS build, which shares one core with the adapters', () => {
  const out = node(
    `const core = require('@tollgate/core');
     const adapters = ['express', 'koa', 'fastify', 'hono'].map((n) => require('@tollgate/' + n));
     console.log(require.resolve('@tollgate/core').includes('/dist/cjs/'), adapters.every((a) => a.TollgateError === core.TollgateError));`,
    'commonjs',
  );
  expect(out.trim()).toBe('true true');
});

it('@tollgate/express/coexist is the same module instance as @tollgate/express, from import and from require', () => {
  const esm = node(
    `const [main, coexist] = await Promise.all([import('@tollgate/express'), import('@tollgate/express/coexist')]);
     console.log(main.requireScope === coexist.requireScope && main.configure === coexist.configure && typeof coexist.getAuth);`,
    'module',
  );
  const cjs = node(
    `const main = require('@tollgate/express'), coexist = require('@tollgate/express/coexist');
     console.log(main.requireScope === coexist.requireScope && main.configure === coexist.configure && typeof coexist.getAuth);`,
    'commonjs',
  );
  expect([esm.trim(), cjs.trim()]).toEqual(['function', 'function']);
});

it('shares one TollgateError class between core and every adapter, so instanceof works anywhere', () => {
  const out = node(
    `const core = await import('@tollgate/core');
     const adapters = await Promise.all(['express', 'koa', 'fastify', 'hono'].map((n) => import('@tollgate/' + n)));
     console.log(adapters.every((a) => a.TollgateError === core.TollgateError && a.InvalidTokenError === core.InvalidTokenError));`,
    'module',
  );
  expect(out.trim()).toBe('true');
});
