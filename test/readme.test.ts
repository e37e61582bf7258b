// Every TypeScript example in the README and docs/*.md that imports tollgate, or a library docs/migration.md
// migrates from, compiles against the built packages.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Inside the repository, so the blocks resolve @tollgate/* and the frameworks like a user's project.
const workDir = join(root, 'test', '.readme-blocks');
// Fragments that continue an earlier block lean on these names.
const PRELUDE = "declare const app: import('express').Express;\n";
const PAGES = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];

// The libraries docs/migration.md starts from. express-oauth2-jwt-bearer declares `req.auth` globally, as
// @tollgate/express does, and one program cannot hold both (the last test shows how it fails): its blocks are
// compiled apart, with or without @tollgate/express/coexist. The others declare nothing global and share the main
// program, which also checks what the guide says of express-jwt: it coexists with @tollgate/express.
const PEERS = ['express-oauth2-jwt-bearer', 'express-jwt', 'jwks-rsa', 'koa-jwt'];
const APART = ['express-oauth2-jwt-bearer'];
const COEXIST = '@tollgate/express/coexist';
const installed = (name: string) => existsSync(join(root, 'node_modules', name, 'package.json'));
const expressExports = (JSON.parse(readFileSync(join(root, 'packages', 'express', 'package.json'), 'utf8')) as { exports: Record<string, unknown> }).exports;
const coexistBuilt = './coexist' in expressExports && existsSync(join(root, 'packages', 'express', 'dist', 'coexist.d.ts'));

interface Block {
  name: string;
  code: string;
  imports: string[];
}

function blocksOf(page: string): Block[] {
  const text = readFileSync(join(root, page), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((match, index) => {
    const code = match[1]!;
    return { name: `${page.replace(/\W+/g, '-')}-${index}`, code, imports: [...code.matchAll(/\bfrom '([^']+)'/g)].map((found) => found[1]!) };
  });
}

const blocks = PAGES.flatMap(blocksOf);
const tollgateBlocks = blocks.filter((block) => block.imports.some((name) => name.startsWith('@tollgate/')));
// Nest's decorators are the legacy ones: its blocks compile as a Nest project does, with experimentalDecorators.
const NEST = '@tollgate/nestjs';
const NEST_OPTIONS = { experimentalDecorators: true, emitDecoratorMetadata: true };
// An MCP server's `req.auth` is the MCP SDK's AuthInfo, not the AccessToken @tollgate/express declares: its own program.
const MCP = '@tollgate/mcp';
const programOf = (block: Block) =>
  block.imports.includes(NEST)
    ? 'nestjs'
    : block.imports.includes(MCP)
      ? 'mcp'
      : block.imports.some((name) => APART.includes(name))
        ? block.imports.filter((name) => APART.includes(name) || name === COEXIST).sort().join('+')
        : 'main';
// A block is compiled when all it needs is here: koa-jwt is not a devDependency, and the coexist entry is new.
const compilable = (block: Block) =>
  block.imports.every((name) => (PEERS.includes(name) ? installed(name) : name !== COEXIST || coexistBuilt)) &&
  (block.imports.some((name) => name.startsWith('@tollgate/')) || block.imports.some((name) => PEERS.includes(name)));

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = promisify(execFile);

/** Type-checks the given files as one project; returns tsc's report, '' when clean. */
async function compile(program: string, files: { name: string; code: string }[], compilerOptions: Record<string, unknown> = {}): Promise<string> {
  const dir = join(workDir, program.replace(/\W+/g, '-'));
  mkdirSync(dir, { recursive: true });
  for (const file of files) {
    const needsApp = /^app\./m.test(file.code) && !/const app =/.test(file.code);
    writeFileSync(join(dir, `${file.name}.ts`), `${needsApp ? PRELUDE : ''}${file.code}\nexport {};\n`);
  }
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../../tsconfig.base.json',
      compilerOptions: { noEmit: true, composite: false, declaration: false, declarationMap: false, sourceMap: false, ...compilerOptions },
      include: ['*.ts'],
    }),
  );
  try {
    await run(process.execPath, [tsc, '-p', dir], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout || error);
  }
}

rmSync(workDir, { recursive: true, force: true });
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

it('finds the examples: the README shows each framework and verifyToken, the docs hold the rest', () => {
  expect(tollgateBlocks.filter((block) => block.name.startsWith('README')).length).toBeGreaterThanOrEqual(5);
  expect(tollgateBlocks.length).toBeGreaterThanOrEqual(18);
  // The migration guide's starting points: express-oauth2-jwt-bearer, express-jwt + jwks-rsa, koa-jwt + jwks-rsa.
  for (const peer of ['express-oauth2-jwt-bearer', 'express-jwt', 'koa-jwt']) {
    expect(blocks.some((block) => block.name.startsWith('docs-migration') && block.imports.includes(peer))).toBe(true);
  }
});

it('compiles every README and docs example that imports a tollgate package or a migration peer', async () => {
  const programs = new Map<string, Block[]>();
  for (const block of blocks.filter(compilable)) programs.set(programOf(block), [...(programs.get(programOf(block)) ?? []), block]);
  const main = programs.get('main') ?? [];
  expect(main.length).toBeGreaterThanOrEqual(16);
  // Every peer's blocks are compiled (koa-jwt's only when installed), and the coexist example once the entry exists.
  expect(main.some((block) => block.imports.includes('express-jwt'))).toBe(true);
  expect(main.some((block) => block.imports.includes('koa-jwt'))).toBe(installed('koa-jwt'));
  expect(programs.has('express-oauth2-jwt-bearer')).toBe(true);
  expect(programs.has(`${COEXIST}+express-oauth2-jwt-bearer`)).toBe(coexistBuilt);
  expect(programs.has('nestjs')).toBe(true);
  expect(programs.has('mcp')).toBe(true);
  const reports = await Promise.all(
    [...programs].map(async ([program, files]) => [program, await compile(program, files, program === 'nestjs' ? NEST_OPTIONS : {})] as const),
  );
  expect(Object.fromEntries(reports.filter(([, report]) => report !== ''))).toEqual({});
}, 240_000);

it('the conflict docs/migration.md describes is real: @tollgate/express beside express-oauth2-jwt-bearer', async () => {
  const code = [
    "import '@tollgate/express';",
    "import 'express-oauth2-jwt-bearer';",
    "import type { Request } from 'express';",
    'declare const req: Request;',
    'export const payload: unknown = req.auth?.payload;',
  ].join('\n');
  const [checked, skipped] = await Promise.all([
    compile('conflict-lib-check', [{ name: 'both', code }], { skipLibCheck: false }),
    compile('conflict-skip-lib-check', [{ name: 'both', code }], { skipLibCheck: true }),
  ]);
  // skipLibCheck: false reports the clash of the two declarations; true keeps the first one read, silently.
  expect(checked).toMatch(/TS2717/);
  expect(skipped).not.toMatch(/TS2717/);
  expect(skipped).toMatch(/TS2339: Property 'payload' does not exist on type 'AccessToken'/);
}, 120_000);
