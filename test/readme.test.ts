// Every TypeScript example in the README that imports tollgate compiles against the built packages.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Inside the repository, so the blocks resolve @tollgate/* and the frameworks like a user's project.
const workDir = join(root, 'test', '.readme-blocks');
// Fragments that continue an earlier block lean on these names.
const PRELUDE = "declare const app: import('express').Express;\n";

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

it('compiles every README example that imports a tollgate package', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!).filter((code) => /from '@tollgate\//.test(code));
  expect(blocks.length).toBeGreaterThanOrEqual(6);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  blocks.forEach((code, index) => {
    const needsApp = /^app\./m.test(code) && !/const app =/.test(code);
    writeFileSync(join(workDir, `block-${index}.ts`), `${needsApp ? PRELUDE : ''}${code}\nexport {};\n`);
  });
  writeFileSync(
    join(workDir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../tsconfig.base.json',
      compilerOptions: { noEmit: true, composite: false, declaration: false, declarationMap: false, sourceMap: false },
      include: ['*.ts'],
    }),
  );
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  let output = '';
  try {
    execFileSync(process.execPath, [tsc, '-p', workDir], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  } catch (error) {
    output = String((error as { stdout?: string }).stdout ?? error);
  }
  expect(output).toBe('');
}, 90_000);
