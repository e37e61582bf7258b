// Vitest's transformer (oxc) does not lower TypeScript 5 standard decorators yet,
// so files that use them are compiled by TypeScript itself before Vite sees them.
import ts from 'typescript';
import { defineConfig, type Plugin } from 'vitest/config';

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
    testTimeout: 15_000,
    hookTimeout: 15_000,
  },
});
