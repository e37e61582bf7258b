// Packs every package the way it is published: `pnpm pack`, which rewrites `workspace:` ranges to
// real version ranges (npm pack would keep them, and npm install would refuse the tarball).
// Usage: node scripts/pack.js <out-dir>   (run `pnpm build` first). Prints the tarball paths as JSON.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The pnpm the repository pins, run through npx so nothing global is needed. */
export const PNPM = ['-y', `pnpm@${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1]}`];

/** The publishable packages, in dependency order (core first). */
export function packageDirs() {
  const dirs = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name));
  const manifests = dirs.map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }));
  return manifests.filter(({ manifest }) => !manifest.private).sort((a, b) => Number(b.manifest.name === '@tollgate/core') - Number(a.manifest.name === '@tollgate/core'));
}

/**
 * Packs every publishable package into `outDir` (emptied first).
 * @returns `{ name, version, tarball }` for each package.
 */
export function packAll(outDir) {
  const out = resolve(outDir);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  return packageDirs().map(({ dir, manifest }) => {
    const printed = execFileSync('npx', [...PNPM, 'pack', '--pack-destination', out], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    const tarball = printed.trim().split('\n').pop().trim();
    return { name: manifest.name, version: manifest.version, tarball: resolve(dir, tarball) };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('usage: node scripts/pack.js <out-dir>');
    process.exit(2);
  }
  console.log(JSON.stringify(packAll(outDir), null, 2));
}
