// Packs every package the way it will be published (pnpm pack, which rewrites workspace ranges) and checks what
// a user would download: a license, a README, the built entry points, no workspace: range, no stale or test files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAll } from '../scripts/pack.js';

const root = join(import.meta.dirname, '..');
const PACKAGES = ['core', 'express', 'koa', 'fastify', 'hono', 'nestjs', 'testing', 'cli', 'redis', 'client', 'mcp'];

let out: string;
const tarballs = new Map<string, { files: string[]; manifest: Record<string, unknown> }>();

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'tollgate-packs-'));
  for (const { name, tarball } of packAll(out)) {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    const manifest = JSON.parse(execFileSync('tar', ['xzfO', tarball, 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
    tarballs.set(name.replace('@tollgate/', ''), { files, manifest });
  }
  expect([...tarballs.keys()].sort()).toEqual([...PACKAGES].sort());
}, 240_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

describe.each(PACKAGES)('@tollgate/%s as packed', (name) => {
  it('carries its LICENSE and README', () => {
    const { files } = tarballs.get(name)!;
    expect(files).toContain('package/LICENSE');
    expect(files).toContain('package/README.md');
    // jose's licence travels with the CommonJS bundles that carry jose's code: the test issuer's and the token client's.
    expect(files.includes('package/dist/cjs/jose.LICENSE.md'), 'dist/cjs/jose.LICENSE.md').toBe(name === 'testing' || name === 'client');
  });

  it('has no workspace: range left in any dependency field', () => {
    const { manifest } = tarballs.get(name)!;
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [dependency, range] of Object.entries((manifest[field] ?? {}) as Record<string, string>)) {
        expect(range, `${field}.${dependency}`).not.toMatch(/^workspace:/);
      }
    }
  });

  it('holds the ESM and CommonJS entry points its exports name, and no test files', () => {
    const { files, manifest } = tarballs.get(name)!;
    type Condition = { types: string; default: string };
    const targets = Object.values(manifest.exports as Record<string, string | Record<'import' | 'require', Condition>>);
    for (const target of targets) {
      if (typeof target === 'string') continue;
      for (const condition of [target.import, target.require]) {
        expect(files).toContain(`package/${condition.types.replace(/^\.\//, '')}`);
        expect(files).toContain(`package/${condition.default.replace(/^\.\//, '')}`);
      }
    }
    expect(files.filter((file) => file.startsWith('package/test/') || file.endsWith('.tsbuildinfo'))).toEqual([]);
  });

  it('ships no built file without its source (a stale dist from a deleted module)', () => {
    const { files } = tarballs.get(name)!;
    const stale = files
      .filter((file) => file.startsWith('package/dist/') && file.endsWith('.js'))
      // A CommonJS bundle stands for the ESM entry of the same name.
      .map((file) => file.replace('package/dist/cjs/', 'package/dist/').replace('package/dist/', 'src/').replace(/\.js$/, '.ts'))
      .filter((source) => !existsSync(join(root, 'packages', name, source)));
    expect(stale).toEqual([]);
  });
});
