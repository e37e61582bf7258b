// Fresh consumer projects outside the repository: a package.json that installs the packed tarballs,
// the fixtures copied in, and helpers to run commands in them. Used by consumers.test.ts.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const fixtures = join(import.meta.dirname, 'fixtures');
/** The repository's TypeScript: a consumer's own tsc resolves types from the consumer's node_modules. */
export const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

export interface Tarball {
  name: string;
  version: string;
  tarball: string;
}

export type PackageManager = 'npm' | 'pnpm' | 'yarn';

/** The command line of each package manager, run through npx so nothing global is needed. */
export const MANAGERS: Record<PackageManager, { command: string; args: string[] }> = {
  npm: { command: 'npm', args: ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'] },
  pnpm: { command: 'npx', args: ['-y', 'pnpm@10.34.8', 'install', '--prefer-offline', '--reporter=silent'] },
  // --ignore-engines: yarn 1 alone refuses a transitive dependency of fastify's (cookie 2) that
  // declares Node >= 22 while working on 20; npm and pnpm only warn.
  yarn: { command: 'npx', args: ['-y', 'yarn@1.22.22', 'install', '--prefer-offline', '--silent', '--non-interactive', '--no-lockfile', '--ignore-engines'] },
};

/**
 * The tollgate packages a project installs unless it says otherwise: those the shared fixtures load (a
 * package for another framework brings its own peers, so it goes only where its fixture runs).
 */
export const CONSUMED = ['@tollgate/core', '@tollgate/express', '@tollgate/koa', '@tollgate/fastify', '@tollgate/testing', '@tollgate/cli'];

/** The frameworks and type packages a consumer installs beside tollgate unless it says otherwise. */
const FRAMEWORKS: Record<string, string> = {
  express: '^5.1.0',
  koa: '^3.0.0',
  fastify: '^5.0.0',
  '@types/express': '^5.0.0',
  '@types/koa': '^3.0.0',
  '@types/node': '^20.19.0',
};

export interface ProjectSpec {
  dir: string;
  type: 'module' | 'commonjs';
  manager: PackageManager;
  tarballs: Tarball[];
  /** The tollgate packages it installs (default CONSUMED). */
  consumes?: readonly string[];
  /** Its frameworks and type packages (default FRAMEWORKS). */
  frameworks?: Record<string, string>;
  extra?: Record<string, string>;
}

/**
 * Writes a consumer project whose tollgate dependencies are the tarballs. Each manager is told that
 * `@tollgate/core` (a dependency of the adapters) is the tarball too, never the registry.
 */
export function writeProject(spec: ProjectSpec): void {
  mkdirSync(spec.dir, { recursive: true });
  const consumes = spec.consumes ?? CONSUMED;
  // @tollgate/testing's client credentials client is @tollgate/client's: where testing goes, client goes too.
  const needed = consumes.includes('@tollgate/testing') ? [...consumes, '@tollgate/client'] : consumes;
  const tarballs = spec.tarballs.filter((t) => needed.includes(t.name));
  const tollgate = Object.fromEntries(tarballs.map((t) => [t.name, `file:${t.tarball}`]));
  const manifest: Record<string, unknown> = {
    name: `consumer-${spec.manager}-${spec.type}`,
    version: '1.0.0',
    private: true,
    type: spec.type,
    dependencies: { ...tollgate, ...(spec.frameworks ?? FRAMEWORKS), ...spec.extra },
  };
  const pinned = Object.fromEntries(tarballs.map((t) => [t.name, `file:${t.tarball}`]));
  if (spec.manager === 'npm') manifest.overrides = Object.fromEntries(tarballs.map((t) => [t.name, `$${t.name}`]));
  if (spec.manager === 'pnpm') manifest.pnpm = { overrides: pinned };
  if (spec.manager === 'yarn') manifest.resolutions = pinned;
  writeFileSync(join(spec.dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const file of ['checks.cjs', 'app.mjs', 'app.cjs', 'app.ts', 'coexist-auth0.ts', 'coexist-express-jwt.ts', 'hono.mjs', 'redis.mjs', 'client.mjs', 'mcp.mjs', 'nest.ts']) {
    copyFileSync(join(fixtures, file), join(spec.dir, file));
  }
  // In a CommonJS project a .js test file is CommonJS, and Jest finds *.test.js by default.
  if (spec.type === 'commonjs') copyFileSync(join(fixtures, 'jest.test.cjs'), join(spec.dir, 'jest.test.js'));
}

export async function install(spec: ProjectSpec): Promise<void> {
  const { command, args } = MANAGERS[spec.manager];
  await run(command, args, { cwd: spec.dir, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 });
}

export interface Outcome {
  code: number;
  output: string;
}

/** Runs a command in a project; never throws, so a test can show what went wrong. */
export async function exec(dir: string, command: string, args: string[], timeout = 60_000): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd: dir, timeout, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string; message: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, output: `${failed.stdout ?? ''}${failed.stderr ?? failed.message}` };
  }
}

/** TypeScript settings of one kind of consumer. */
export type CompilerSettings = Record<string, unknown>;

/**
 * Writes `tsconfig.<name>.json` compiling `files` into `out-<name>/` with the strictest library
 * checking (skipLibCheck off: an error inside tollgate's declarations fails the consumer).
 */
export function writeTsconfig(dir: string, name: string, settings: CompilerSettings, files: string[]): string {
  const file = `tsconfig.${name}.json`;
  const compilerOptions = { target: 'ES2022', strict: true, skipLibCheck: false, types: ['node'], outDir: `out-${name}`, ...settings };
  writeFileSync(join(dir, file), `${JSON.stringify({ compilerOptions, files }, null, 2)}\n`);
  return file;
}
