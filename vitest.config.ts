// Vitest's transformer (oxc) does not lower TypeScript 5 standard decorators yet,
// so files that use them are compiled by TypeScript itself before Vite sees them.
import { availableParallelism } from 'node:os';
import ts from 'typescript';
import { defineConfig, type Plugin } from 'vitest/config';

/** Files compiled with legacy decorators instead: the NestJS package, its conformance app and example. */
const LEGACY_DECORATORS = /\/(packages\/nestjs\/|test\/conformance\/apps\/nest\.ts$|examples\/nest\/)/;

function standardDecorators(): Plugin {
  return {
    name: 'tollgate:standard-decorators',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('.ts') || !/(^|[\s{;])@[A-Za-z_$]/m.test(code)) return null;
      const out = ts.transpileModule(code, {
        fileName: id,
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ESNext,
          sourceMap: true,
          verbatimModuleSyntax: false,
          // NestJS code uses legacy decorators with metadata (its DI reads design:paramtypes).
          ...(LEGACY_DECORATORS.test(id) && { experimentalDecorators: true, emitDecoratorMetadata: true }),
        },
      });
      return { code: out.outputText, map: out.sourceMapText ?? null };
    },
  };
}

export default defineConfig({
  plugins: [standardDecorators()],
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    // Installs packed tarballs into fresh projects: its own run (vitest.consumers.config.ts).
    exclude: ['test/consumers/**', '**/node_modules/**'],
    // Most files wait on sockets and timers, not the CPU: on a 2-core machine Vitest's default (cores - 1)
    // runs them one at a time. Three at once keeps both cores busy.
    maxWorkers: Math.max(availableParallelism() - 1, 3),
    testTimeout: 15_000,
    // Set-up starts issuers and generates keys: on a loaded 2-core machine that can take longer than a test.
    hookTimeout: 30_000,
  },
});
