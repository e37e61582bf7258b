// Review 13b F3: tasks/* (a task's status and result, a tool's output) need the scopes of the `tasks` option.
import express from 'express';
import { createVerifier, type Verifier } from '@tollgate/core';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryTaskMessageQueue, InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireMcpAuth, requireToolScopes } from '../src/index.js';
import { post, rpc, serve, serveStateless } from './support.js';

const RESOURCE = 'https://mcp.example.test/mcp';
let issuer: TestIssuer;
let verifier: Verifier;

/** An HR server whose `payroll` tool runs as a task; one store for every request, as a real server keeps it. */
function hrServer(): express.RequestHandler {
  const taskStore = new InMemoryTaskStore();
  const taskMessageQueue = new InMemoryTaskMessageQueue();
  return async (req, res) => {
    const server = new McpServer({ name: 'hr', version: '1.0.0' }, { capabilities: { tasks: { requests: { tools: { call: {} } }, list: {}, cancel: {} } }, taskStore, taskMessageQueue });
    server.experimental.tasks.registerToolTask('payroll', { description: 'payroll' }, {
      async createTask(extra) {
        const task = await extra.taskStore.createTask({ ttl: 60_000 });
        await extra.taskStore.storeTaskResult(task.taskId, 'completed', { content: [{ type: 'text', text: 'SECRET-PAYROLL' }] });
        return { task };
      },
      getTask: (extra) => extra.taskStore.getTask(extra.taskId),
      getTaskResult: (extra) => extra.taskStore.getTaskResult(extra.taskId) as never,
    });
    await serveStateless(server, req, res, req.body);
  };
}

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
  verifier = createVerifier({ issuer: issuer.issuer, audience: RESOURCE, allowInsecureRequests: true });
});
afterAll(async () => {
  await issuer?.close();
});

const sign = (sub: string, scope: string) => issuer.sign({ aud: RESOURCE, sub, client_id: 'agent', scope });
const startTask = () => rpc('tools/call', { name: 'payroll', arguments: {}, task: { ttl: 60_000 } });
const taskIdOf = (answer: { body: unknown }) => (answer.body as { result: { task: { taskId: string } } }).result.task.taskId;

describe('requireToolScopes: tasks', () => {
  it('without a tasks option, tasks/* is undeclared: refused (403, no scope) even for the tool\'s own holder', async () => {
    const app = await serve([express.json(), requireMcpAuth(verifier, { scopes: ['mcp'] }), requireToolScopes({ payroll: 'hr:read' })], hrServer());
    try {
      const alice = await sign('alice', 'mcp hr:read');
      const bob = await sign('bob', 'mcp');
      const made = await post(app.url, startTask(), alice);
      expect(made.status).toBe(200);
      const taskId = taskIdOf(made);
      for (const message of [rpc('tasks/list', {}), rpc('tasks/result', { taskId }), rpc('tasks/get', { taskId }), rpc('tasks/cancel', { taskId })]) {
        for (const token of [bob, alice]) {
          const answer = await post(app.url, message, token);
          expect(answer.status, message.method).toBe(403);
          expect(answer.headers.get('www-authenticate')).not.toMatch(/scope=/);
          expect(JSON.stringify(answer.body)).not.toContain('SECRET');
        }
      }
    } finally {
      await app.close();
    }
  });

  it('with tasks: "hr:read", a token without it is refused (403 naming it) and one with it reads the result', async () => {
    const app = await serve([express.json(), requireMcpAuth(verifier, { scopes: ['mcp'] }), requireToolScopes({ payroll: 'hr:read' }, { tasks: 'hr:read' })], hrServer());
    try {
      const alice = await sign('alice', 'mcp hr:read');
      const bob = await sign('bob', 'mcp');
      const taskId = taskIdOf(await post(app.url, startTask(), alice));
      for (const message of [rpc('tasks/list', {}), rpc('tasks/result', { taskId })]) {
        const refused = await post(app.url, message, bob);
        expect(refused.status).toBe(403);
        expect(refused.headers.get('www-authenticate')).toMatch(/scope="hr:read mcp"|scope="mcp hr:read"/);
        expect(JSON.stringify(refused.body)).not.toContain('SECRET');
      }
      const result = await post(app.url, rpc('tasks/result', { taskId }), alice);
      expect(result.status).toBe(200);
      expect(JSON.stringify(result.body)).toContain('SECRET-PAYROLL');
    } finally {
      await app.close();
    }
  });

  it('startup: an empty or malformed tasks option is a configuration error', () => {
    expect(() => requireToolScopes({}, { tasks: [] })).toThrow(/tasks names no scope/);
    expect(() => requireToolScopes({}, { tasks: 7 as never })).toThrow(/tasks must name a scope/);
    expect(() => requireToolScopes({}, { tasks: 'a b' })).toThrow(/not a valid scope/);
    expect(() => requireToolScopes({}, { tasks: ['hr:read'] })).not.toThrow();
  });
});
