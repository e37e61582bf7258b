// Lints every package the way it will be published: packs the tarballs (scripts/pack.js), then runs
// publint (strict: warnings fail) and @arethetypeswrong/cli (every resolution mode: node10, node16
// from CommonJS and from ESM, bundler) on each tarball. Exits 1 on any problem.
// Usage: node scripts/lint-packages.js   (run `pnpm build` first)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packAll } from './pack.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The tools' own files: neither package exports its package.json, so require.resolve cannot find them.
const bin = (name, path) => join(root, 'node_modules', name, path);
const PUBLINT = bin('publint', 'src/cli.js');
const ATTW = bin('@arethetypeswrong/cli', 'dist/index.js');

/**
 * Runs publint and attw on each tarball, printing one line per check (and the tool's report on a failure).
 * @returns the number of failed checks.
 */
export function lintTarballs(tarballs) {
  let failed = 0;
  for (const { name, tarball } of tarballs) {
    for (const [tool, args] of [
      ['publint', [PUBLINT, 'run', tarball, '--strict']],
      ['attw', [ATTW, tarball, '--format', 'ascii', '--no-color']],
    ]) {
      const result = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
      const ok = result.status === 0;
      if (!ok) failed += 1;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${tool} ${name}`);
      if (!ok) console.log(`${result.stdout}${result.stderr}`);
    }
  }
  return failed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = mkdtempSync(join(tmpdir(), 'tollgate-lint-'));
  const tarballs = packAll(outDir);
  const failed = lintTarballs(tarballs);
  rmSync(outDir, { recursive: true, force: true });
  console.log(failed === 0 ? `publint and attw: no problem in ${tarballs.length} packages` : `${failed} check(s) failed`);
  process.exit(failed === 0 ? 0 : 1);
}
