// Installs the packed tarballs, as they would be published, into fresh projects outside the repository
// (npm, pnpm and yarn; ESM and CommonJS; TypeScript nodenext, node16, commonjs and bundler; Jest 29 and
// 30 with no transform; Hono through @hono/node-server; NestJS 11 with legacy decorators on Express and
// Fastify) and sends real requests through every adapter. Runs with `pnpm test:consumers` after
// `pnpm build` (vitest.consumers.config.ts); CI runs it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAll } from '../../scripts/pack.js';
import { CONSUMED, exec, install, TSC, writeProject, writeTsconfig, type ProjectSpec, type Tarball } from './projects.js';

const work = mkdtempSync(join(tmpdir(), 'tollgate-consumers-'));
const OK = 'ok verifyToken express koa fastify';

const projects: Record<string, Omit<ProjectSpec, 'tarballs'>> = {
  // Also Hono through @hono/node-server (hono.mjs), @tollgate/redis with both Redis clients (redis.mjs),
  // @tollgate/client against the test issuer (client.mjs), and @tollgate/mcp with the MCP SDK (mcp.mjs).
  npmEsm: {
    dir: join(work, 'npm-esm'),
    type: 'module',
    manager: 'npm',
    consumes: [...CONSUMED, '@tollgate/hono', '@tollgate/redis', '@tollgate/client', '@tollgate/mcp'],
    extra: { hono: '^4.13.0', '@hono/node-server': '^2.0.0', ioredis: '^6.0.0', redis: '^6.3.0', '@modelcontextprotocol/sdk': '^1.32.0' },
  },
  npmCjs: {
    dir: join(work, 'npm-cjs'),
    type: 'commonjs',
    manager: 'npm',
    extra: { jest: '^30.0.0', 'express-oauth2-jwt-bearer': '^1.7.0', 'express-jwt': '^8.5.0' },
  },
  jest29: { dir: join(work, 'jest29'), type: 'commonjs', manager: 'npm', extra: { jest: '^29.7.0' } },
  // The older majors the peer ranges admit, with their own type packages.
  npmOlderMajors: {
    dir: join(work, 'npm-older-majors'),
    type: 'commonjs',
    manager: 'npm',
    extra: { express: '^4.21.0', '@types/express': '^4.17.21', koa: '^2.15.0', '@types/koa': '^2.15.0', fastify: '^4.28.0' },
  },
  // The older Nest major the peer range admits, alone: its platforms bring their own Express and Fastify
  // (@types/express as a Nest project has it, so Nest's Express declarations type-check with skipLibCheck off).
  npmNest11: {
    dir: join(work, 'npm-nest11'),
    type: 'commonjs',
    manager: 'npm',
    consumes: ['@tollgate/core', '@tollgate/nestjs', '@tollgate/testing'],
    frameworks: { '@types/node': '^20.19.0', '@types/express': '^5.0.0' },
    extra: {
      '@nestjs/common': '^11.0.0',
      '@nestjs/core': '^11.0.0',
      '@nestjs/platform-express': '^11.0.0',
      '@nestjs/platform-fastify': '^11.0.0',
      'reflect-metadata': '^0.2.0',
      rxjs: '^7.8.0',
    },
  },
  pnpmEsm: { dir: join(work, 'pnpm-esm'), type: 'module', manager: 'pnpm' },
  yarnCjs: { dir: join(work, 'yarn-cjs'), type: 'commonjs', manager: 'yarn' },
};
const installed = new Map<string, Error | null>();

/**
 * The tarballs under test: packed now from this checkout, or, with TOLLGATE_CONSUMER_TARBALLS=<dir>,
 * the .tgz files already in that directory (e.g. the release's .release/, or an older build's).
 */
function tarballsUnderTest(): Tarball[] {
  const given = process.env.TOLLGATE_CONSUMER_TARBALLS;
  if (!given) return packAll(join(work, 'tarballs'));
  return readdirSync(given)
    .filter((file) => file.endsWith('.tgz'))
    .map((file) => {
      const manifest = JSON.parse(execFileSync('tar', ['xzfO', join(given, file), 'package/package.json'], { encoding: 'utf8' })) as Tarball;
      return { name: manifest.name, version: manifest.version, tarball: resolve(given, file) };
    });
}

beforeAll(async () => {
  const tarballs = tarballsUnderTest();
  // One at a time on 2 cores is barely slower than all at once, and npm's cache stays uncontended.
  for (const [name, spec] of Object.entries(projects)) {
    const full = { ...spec, tarballs };
    writeProject(full);
    installed.set(name, await install(full).then(() => null, (error: Error) => error));
  }
}, 900_000);

// TOLLGATE_KEEP_CONSUMERS=1 keeps the projects for a look after a failure.
afterAll(() => {
  if (process.env.TOLLGATE_KEEP_CONSUMERS) console.log(`consumer projects kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

/** The project's directory, after checking that its install succeeded. */
function project(name: keyof typeof projects): string {
  const error = installed.get(name);
  if (error) throw new Error(`install failed in ${name}: ${error.message}`);
  return projects[name]!.dir;
}

const node = (dir: string, file: string) => exec(dir, process.execPath, [file]);
const tsc = (dir: string, config: string) => exec(dir, process.execPath, [TSC, '-p', config], 120_000);

/**
 * The compiler's errors outside other packages' declarations: with skipLibCheck off, @types/koa
 * itself fails against the content-disposition its koa installs (TS2694), with or without tollgate.
 * An error in tollgate's declarations or in the consumer's code still counts.
 */
async function typeErrors(dir: string, config: string): Promise<string[]> {
  const { output } = await tsc(dir, config);
  return output
    .split('\n')
    .filter((line) => /error TS\d+/.test(line))
    .filter((line) => !line.startsWith('node_modules/') || line.startsWith('node_modules/@tollgate/'));
}

describe.each([
  ['npm, "type": "module"', 'npmEsm'],
  ['npm, "type": "commonjs"', 'npmCjs'],
  ['pnpm, "type": "module"', 'pnpmEsm'],
  ['yarn 1, "type": "commonjs"', 'yarnCjs'],
  ['npm, Express 4, Koa 2, Fastify 4', 'npmOlderMajors'],
] as const)('JavaScript consumer (%s)', (_label, name) => {
  it('imports every package (ESM) and serves real requests through each adapter', async () => {
    expect(await node(project(name), 'app.mjs')).toEqual({ code: 0, output: `${OK}\n` });
  });

  it('requires every package (CommonJS) and serves real requests through each adapter', async () => {
    expect(await node(project(name), 'app.cjs')).toEqual({ code: 0, output: `${OK}\n` });
  });

  it('runs the tollgate command', async () => {
    const result = await exec(project(name), process.execPath, [join('node_modules', '@tollgate', 'cli', 'bin', 'tollgate.js'), '--version']);
    expect(result).toEqual({ code: 0, output: '0.1.0\n' });
  });
});

// Each row: the project and the compiler settings a user would pick. The compilers run side by side
// (each is one single-threaded process), which halves this part on 2 cores.
describe('TypeScript consumer', () => {
  it.concurrent.each([
    ['ESM, module nodenext', 'npmEsm', 'nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
    ['ESM, moduleResolution bundler', 'npmEsm', 'bundler', { module: 'esnext', moduleResolution: 'bundler' }],
    ['CommonJS, module node16', 'npmCjs', 'node16', { module: 'node16', moduleResolution: 'node16' }],
    ['CommonJS, module nodenext', 'npmCjs', 'nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
    ['CommonJS, module commonjs (node10 resolution)', 'npmCjs', 'commonjs', { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true }],
    ['ESM with pnpm, module nodenext', 'pnpmEsm', 'nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
    ['CommonJS with yarn, module node16', 'yarnCjs', 'node16', { module: 'node16', moduleResolution: 'node16' }],
    ['Express 4, Koa 2, Fastify 4 and their types, module node16', 'npmOlderMajors', 'node16', { module: 'node16', moduleResolution: 'node16' }],
  ] as const)('%s: type-checks with skipLibCheck off, compiles and serves real requests', async (_label, name, config, settings) => {
    const dir = project(name);
    const tsconfig = writeTsconfig(dir, config, settings, ['app.ts']);
    expect(await typeErrors(dir, tsconfig)).toEqual([]);
    expect(await node(dir, join(`out-${config}`, 'app.js'))).toEqual({ code: 0, output: `${OK}\n` });
  });

  // Beside the rows above, so its compiler shares their time.
  it.concurrent('NestJS 11, CommonJS, module node16 with experimentalDecorators and emitDecoratorMetadata: type-checks with skipLibCheck off, compiles, and answers 401 / 403 / 200 / @Public() 200 on Express and on Fastify', async () => {
    const dir = project('npmNest11');
    const settings = { module: 'node16', moduleResolution: 'node16', experimentalDecorators: true, emitDecoratorMetadata: true };
    expect(await typeErrors(dir, writeTsconfig(dir, 'nest', settings, ['nest.ts']))).toEqual([]);
    expect(await node(dir, join('out-nest', 'nest.js'))).toEqual({ code: 0, output: 'ok nest 11 express fastify\n' });
  });
});

describe('Hono 4 on Node (npm, "type": "module")', () => {
  it('@tollgate/hono protects an app served by @hono/node-server: 200, 401 Bearer challenge, 403 insufficient_scope', async () => {
    expect(await node(project('npmEsm'), 'hono.mjs')).toEqual({ code: 0, output: 'ok hono\n' });
  });
});

describe('@tollgate/client in an ESM project (npm)', () => {
  it('gets a client credentials token from the test issuer, sends it with client.fetch to a protected app, and require() works', async () => {
    expect(await node(project('npmEsm'), 'client.mjs')).toEqual({ code: 0, output: 'ok client\n' });
  });
});

describe('@tollgate/mcp in an ESM project (npm), with the MCP SDK', () => {
  it('the SDK client calls a tool with the scope and is refused one without, a request without a token is a 401, and require() works', async () => {
    expect(await node(project('npmEsm'), 'mcp.mjs')).toEqual({ code: 0, output: 'ok mcp\n' });
  });
});

// CI starts a Redis (TOLLGATE_REDIS_URL) and requires this to run; elsewhere it runs when one is given.
const withRedis = Boolean(process.env.TOLLGATE_REDIS_URL) || process.env.TOLLGATE_REQUIRE_REDIS === '1';
describe.skipIf(!withRedis)('@tollgate/redis in an ESM project, with ioredis and node-redis', () => {
  it('a replay claim is won once across both clients, an introspection entry written by one is read by the other, and require() works', async () => {
    expect(await node(project('npmEsm'), 'redis.mjs')).toEqual({ code: 0, output: 'ok redis\n' });
  });
});

describe('Jest in a CommonJS project, no Babel or transform configuration', () => {
  it.each([
    ['Jest 30', 'npmCjs'],
    ['Jest 29', 'jest29'],
  ] as const)('%s loads the packages and the requests pass', async (_label, name) => {
    const dir = project(name);
    const result = await exec(dir, process.execPath, [join('node_modules', 'jest', 'bin', 'jest.js'), '--ci', 'jest.test.js'], 120_000);
    expect(result.output).toMatch(/Tests:\s+1 passed, 1 total/);
    expect(result.code).toBe(0);
  });
});

describe.concurrent('beside other packages that type the request (skipLibCheck off)', () => {
  const nodenext = { module: 'nodenext', moduleResolution: 'nodenext' };

  it('@tollgate/express/coexist type-checks beside express-oauth2-jwt-bearer, which declares req.auth itself', async () => {
    const dir = project('npmCjs');
    expect(await typeErrors(dir, writeTsconfig(dir, 'coexist-auth0', { ...nodenext, noEmit: true }, ['coexist-auth0.ts']))).toEqual([]);
  });

  it('the main entry beside express-oauth2-jwt-bearer is the conflict the coexist entry exists for (TS2717)', async () => {
    const dir = project('npmCjs');
    const mixed = writeTsconfig(dir, 'coexist-mixed', { ...nodenext, noEmit: true }, ['coexist-auth0.ts', 'app.ts']);
    const result = await tsc(dir, mixed);
    expect(result.output).toMatch(/TS2717/);
  });

  it('@tollgate/express type-checks beside express-jwt, whose Request type is an intersection', async () => {
    const dir = project('npmCjs');
    expect(await typeErrors(dir, writeTsconfig(dir, 'coexist-express-jwt', { ...nodenext, noEmit: true }, ['coexist-express-jwt.ts']))).toEqual([]);
  });
});
