// The demo's default mode: every checked step, a transcript, and an exit code that says whether all passed.
import { Transcript } from '../lib/transcript.js';
import { apiSteps } from './api-steps.js';
import { dpopSteps } from './dpop-steps.js';
import { startEnvironment } from './environment.js';
import { mcpSteps } from './mcp-steps.js';
import { outageSteps } from './outage-steps.js';
import { tokenSteps } from './token-steps.js';

/** Runs the demo end to end; resolves to the exit code (0: every step behaved as expected). */
export async function runDemo(): Promise<number> {
  const started = Date.now();
  const env = await startEnvironment();
  const t = new Transcript();
  try {
    console.log('tollgate demo: a local issuer with three clients, and one orders API on Express, Koa, Fastify, Hono and NestJS (on Express and on Fastify)');
    console.log('  GET /orders needs orders:read, POST /orders needs orders:write; last, an MCP server on the official SDK');
    console.log(`  issuer ${env.issuer.issuer}, audience ${env.issuer.audience}`);
    await tokenSteps(env, t);
    let apiCalls = 0;
    for (const api of env.apis) apiCalls += await apiSteps(api, env, t);
    await outageSteps(env, t);

    t.section('token reuse');
    const fetched = Object.values(env.clients).reduce((sum, demo) => sum + demo.client.requests, 0);
    t.check(
      fetched === 3 && env.issuer.requests.token === 5,
      `${apiCalls} API requests, ${fetched} token requests: each client fetched once and reused its cached token`,
      '3 token requests (5 with the two refused ones)',
    );
    t.note(`the token endpoint served ${env.issuer.requests.token} requests in all (2 refused); the JWKS was fetched ${env.issuer.requests.jwks} times`);
    await dpopSteps(env.apis[0]!, env, t);

    await mcpSteps(t);
  } finally {
    await env.close();
  }
  const code = t.finish();
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return code;
}
