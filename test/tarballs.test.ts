// Packs every package the way it will be published (pnpm pack, which rewrites workspace ranges) and checks what
// a user would download: a license, a README, the built entry points, no workspace: range, no stale or test files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const PACKAGES = ['core', 'express', 'koa', 'fastify', 'testing', 'cli'];
// The pnpm the README and .ci/run use; pack rewrites `workspace:^` into the version range.
const PNPM = ['-y', 'pnpm@10.34.8'];

let out: string;
const tarballs = new Map<string, { files: string[]; manifest: Record<string, unknown> }>();

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'tollgate-packs-'));
  for (const name of PACKAGES) {
    const dir = join(root, 'packages', name);
    execFileSync('npx', [...PNPM, 'pack', '--pack-destination', out], { cwd: dir, stdio: 'pipe', timeout: 60_000 });
    const file = readdirSync(out).find((entry) => entry.startsWith(`tollgate-${name}-`))!;
    const files = execFileSync('tar', ['tzf', join(out, file)], { encoding: 'utf8' }).trim().split('\n');
    const manifest = JSON.parse(execFileSync('tar', ['xzfO', join(out, file), 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
    tarballs.set(name, { files, manifest });
  }
}, 240_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

describe.each(PACKAGES)('@tollgate/%s as packed', (name) => {
  it('carries its LICENSE and README', () => {
    const { files } = tarballs.get(name)!;
    expect(files).toContain('package/LICENSE');
    expect(files).toContain('package/README.md');
  });

  it('has no workspace: range left in any dependency field', () => {
    const { manifest } = tarballs.get(name)!;
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [dependency, range] of Object.entries((manifest[field] ?? {}) as Record<string, string>)) {
        expect(range, `${field}.${dependency}`).not.toMatch(/^workspace:/);
      }
    }
  });

  it('holds the entry points its exports name, and no test files', () => {
    const { files, manifest } = tarballs.get(name)!;
    const entry = (manifest.exports as Record<string, { types: string; default: string }>)['.']!;
    expect(files).toContain(`package/${entry.types.replace(/^\.\//, '')}`);
    expect(files).toContain(`package/${entry.default.replace(/^\.\//, '')}`);
    expect(files.filter((file) => file.startsWith('package/test/') || file.endsWith('.tsbuildinfo'))).toEqual([]);
  });

  it('ships no built file without its source (a stale dist from a deleted module)', () => {
    const { files } = tarballs.get(name)!;
    const stale = files
      .filter((file) => file.startsWith('package/dist/') && file.endsWith('.js'))
      .map((file) => file.replace('package/dist/', 'src/').replace(/\.js$/, '.ts'))
      .filter((source) => !existsSync(join(root, 'packages', name, source)));
    expect(stale).toEqual([]);
  });
});
