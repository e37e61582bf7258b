// `pnpm example <name>`: the runner starts a test issuer, runs the example, checks a few requests and exits.
// One name per kind of runner path (app, decorated controller, queue): every app is also tested in-process
// by apps.test.ts, and each child process costs a second or more of CPU. (The built Nest entries, which load
// the Nest example's own build, run as a child process in demo.test.ts: the demo starts both.)
import { describe, expect, it } from 'vitest';
import { runNode } from './child.js';

describe('pnpm example', () => {
  it.each(['express', 'fastify-controller', 'job-consumer'])(
    '%s runs and passes its checks',
    async (name) => {
      const { code, stdout, stderr } = await runNode('run-example.js', [name]);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).toContain(`${name} (examples/`);
      expect(stdout).toMatch(/all [45] checks passed/);
      expect(stdout).not.toContain('✗');
    },
    40_000,
  );

  it('an unknown or missing name prints the names and exits 64', async () => {
    const runs = await Promise.all([['nope'], [], ['express', 'koa']].map((args) => runNode('run-example.js', args)));
    for (const { code, stderr } of runs) {
      expect(code).toBe(64);
      expect(stderr).toContain('names: express, koa, fastify, hono, nest, nest-fastify, express-controller, koa-controller, fastify-controller, job-consumer');
    }
  }, 40_000);
});
