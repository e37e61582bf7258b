// The release command: build, pack every package with pnpm (workspace ranges rewritten), lint the
// tarballs (publint, attw), then publish those very tarballs with npm, core first.
// Usage: pnpm release [--dry-run] [--otp <code>] [--provenance] [--tag <dist-tag>]
// Versions and changelogs come from changesets beforehand (`pnpm version-packages`); see docs/releasing.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { lintTarballs } from './lint-packages.js';
import { packAll } from './pack.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({
  options: { 'dry-run': { type: 'boolean' }, otp: { type: 'string' }, provenance: { type: 'boolean' }, tag: { type: 'string' } },
});
const dryRun = flags['dry-run'] === true;

function fail(message) {
  console.error(`release: ${message}`);
  process.exit(1);
}

execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], { cwd: root, stdio: 'inherit' });
execFileSync(process.execPath, [join(root, 'scripts', 'build-cjs.js')], { cwd: root, stdio: 'inherit' });

const tarballs = packAll(join(root, '.release'));
// One version for every package (the changesets `fixed` group): a mismatch means versioning went wrong.
const versions = new Set(tarballs.map((t) => t.version));
if (versions.size !== 1) fail(`the packages disagree on their version (${[...versions].join(', ')}); run pnpm version-packages`);
const [version] = versions;

if (lintTarballs(tarballs) > 0) fail('publint or attw found a problem in a tarball; nothing was published');

if (!dryRun) {
  // A version already on the registry cannot be published again: say so before publishing half of them.
  const taken = tarballs.filter(({ name }) => spawnSync('npm', ['view', `${name}@${version}`, 'version'], { encoding: 'utf8' }).stdout.trim() === version);
  if (taken.length > 0) fail(`${taken.map((t) => t.name).join(', ')} ${version} already published; version the packages first`);
}

const publishArgs = ['--access', 'public', ...(flags.tag ? ['--tag', flags.tag] : []), ...(flags.otp ? ['--otp', flags.otp] : [])];
if (flags.provenance) publishArgs.push('--provenance');
if (dryRun) publishArgs.push('--dry-run');
for (const { name, tarball } of tarballs) {
  const result = spawnSync('npm', ['publish', tarball, ...publishArgs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) fail(`npm publish ${name} failed:\n${result.stdout}${result.stderr}`);
  console.log(`${dryRun ? 'would publish' : 'published'} ${name}@${version}`);
}
console.log(dryRun ? `dry run: ${tarballs.length} tarballs in .release/ checked, nothing published` : `released ${version}; tag it with: npx changeset tag && git push --follow-tags`);
