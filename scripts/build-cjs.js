// Builds the CommonJS half of every package after `tsc -b` has written the ESM half:
// dist/cjs/<entry>.js (one bundle per entry point) and a copy of the declarations that CommonJS
// consumers read. Why a bundle: jose 6 ships only ESM, and Jest's module runtime cannot require()
// ESM on Node 20, so the CommonJS build carries jose inside it; every other dependency stays
// external (the adapters require core's CommonJS build, so one process loads one copy of core).
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = join(root, 'packages');

/** Packages bundled into the CommonJS output because they cannot be required under Jest. */
const ESM_ONLY = new Set(['jose']);

/**
 * Rewrites a declaration for a CommonJS reader: a type import from an ESM-only package must say
 * `resolution-mode: "import"`, or TypeScript's node16 and nodenext CommonJS projects fail (TS1541/TS1479).
 */
export function toCommonJsDeclaration(text) {
  return text
    .replace(/^\/\/# sourceMappingURL=.*$/m, '')
    .replace(/^import (type )?\{([^}]*)\} from '([^']+)';$/gm, (line, _type, names, specifier) => {
      if (!ESM_ONLY.has(specifier)) return line;
      const bare = names.replace(/\btype\s+/g, '');
      return `import type {${bare}} from '${specifier}' with { 'resolution-mode': 'import' };`;
    })
    .replace(/import\("([^"]+)"\)/g, (call, specifier) =>
      ESM_ONLY.has(specifier) ? `import("${specifier}", { with: { 'resolution-mode': 'import' } })` : call,
    );
}

function* filesEndingWith(dir, suffix) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'cjs') yield* filesEndingWith(path, suffix);
    } else if (entry.name.endsWith(suffix)) {
      yield path;
    }
  }
}

function readsImportMeta(dist) {
  for (const file of filesEndingWith(dist, '.js')) if (readFileSync(file, 'utf8').includes('import.meta')) return true;
  return false;
}


/** The entry points of a package: every `exports` subpath with a `require` condition. */
function entryPoints(manifest) {
  return Object.values(manifest.exports ?? {})
    .map((target) => (typeof target === 'object' ? target.require?.default : undefined))
    .filter((file) => typeof file === 'string')
    .map((file) => file.replace(/^\.\/dist\/cjs\//, '').replace(/\.js$/, ''));
}

async function buildPackage(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const entries = entryPoints(manifest);
  if (entries.length === 0) return;
  const dist = join(dir, 'dist');
  const out = join(dist, 'cjs');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'package.json'), '{\n  "type": "commonjs"\n}\n');

  const external = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ].filter((name) => !ESM_ONLY.has(name));
  const entryFiles = new Map(entries.map((entry) => [join(dist, `${entry}.js`), entry]));
  const { metafile } = await build({
    metafile: true,
    entryPoints: Object.fromEntries(entries.map((entry) => [entry, join(dist, `${entry}.js`)])),
    outdir: out,
    plugins: [requireOtherEntries(entryFiles)],
    // A bundled module that reads files beside it (the CLI's package.json) finds them from the ESM
    // twin's place, dist/<entry>.js, one level above the bundle.
    ...(readsImportMeta(dist) && {
      inject: [join(root, 'scripts', 'cjs-import-meta.js')],
      define: { 'import.meta.url': 'esmTwinUrl' },
    }),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external,
    logLevel: 'warning',
    legalComments: 'eof',
  });

  for (const file of filesEndingWith(dist, '.d.ts')) {
    const target = join(out, relative(dist, file));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, toCommonJsDeclaration(readFileSync(file, 'utf8')));
  }
  // The licence of each ESM-only package whose code the bundle carries travels with it (core and the CLI
  // use jose for types only: nothing of it is inside their bundles).
  const bundled = Object.keys(metafile.inputs);
  for (const name of ESM_ONLY) {
    if (!bundled.some((input) => input.includes(`node_modules/${name}/`))) continue;
    const licence = join(dirname(requireResolvePackageJson(dir, name)), 'LICENSE.md');
    copyFileSync(licence, join(out, `${name}.LICENSE.md`));
  }
}

/**
 * Keeps each entry point one module: an entry that imports another (express's index re-exports
 * coexist) requires that entry's bundle instead of carrying a second copy of its state.
 */
function requireOtherEntries(entryFiles) {
  return {
    name: 'require-other-entries',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        const target = join(args.resolveDir, args.path);
        const entry = entryFiles.get(target);
        if (!entry || args.kind === 'entry-point') return undefined;
        return { path: `./${entry}.js`, external: true };
      });
    },
  };
}

function requireResolvePackageJson(dir, name) {
  // jose's exports hide package.json's path from require.resolve, so walk node_modules as Node would.
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, 'node_modules', name, 'package.json');
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      if (dirname(at) === at) throw new Error(`cannot find ${name} from ${dir}`);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dirs = readdirSync(packagesDir).map((name) => join(packagesDir, name));
  await Promise.all(dirs.map(buildPackage));
}
