// Review 13b F1: a resource URI is checked in the form the SDK serves it (new URL(uri).href), never as raw text.
import express from 'express';
import { createVerifier, TollgateConfigError, type Verifier } from '@tollgate/core';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireMcpAuth, requireToolScopes } from '../src/index.js';
import { post, rpc, serve, serveStateless } from './support.js';

const RESOURCE = 'https://mcp.example.test/mcp';
let issuer: TestIssuer;
let verifier: Verifier;

/** A file server: a public file and a private one, as the SDK serves them (it matches new URL(uri).href). */
const files: express.RequestHandler = async (req, res) => {
  const server = new McpServer({ name: 'files', version: '1.0.0' });
  server.registerResource('public', 'file:///public/readme.txt', {}, (uri) => ({ contents: [{ uri: uri.href, text: 'PUBLIC' }] }));
  server.registerResource('salaries', 'file:///private/salaries.csv', {}, (uri) => ({ contents: [{ uri: uri.href, text: 'SECRET-SALARIES' }] }));
  server.registerResource('daily', 'orders://reports/daily', {}, (uri) => ({ contents: [{ uri: uri.href, text: 'SECRET-DAILY' }] }));
  await serveStateless(server, req, res, req.body);
};

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
  verifier = createVerifier({ issuer: issuer.issuer, audience: RESOURCE, allowInsecureRequests: true });
});
afterAll(async () => {
  await issuer?.close();
});

const sign = (scope: string) => issuer.sign({ aud: RESOURCE, client_id: 'agent', scope });
const read = (uri: string) => rpc('resources/read', { uri });

describe('requireToolScopes: resource URIs', () => {
  it('a dot segment, an encoded one or an upper-case scheme cannot reach a resource of another scope (400, nothing served)', async () => {
    const app = await serve(
      [express.json(), requireMcpAuth(verifier, { scopes: ['mcp'] }), requireToolScopes({}, { resources: { 'file:///public/*': 'files:read', 'file:///private/salaries.csv': 'hr:read' } })],
      files,
    );
    try {
      const token = await sign('mcp files:read');
      expect((await post(app.url, read('file:///public/readme.txt'), token)).status).toBe(200);
      expect((await post(app.url, read('file:///private/salaries.csv'), token)).status).toBe(403);
      for (const uri of ['file:///public/../private/salaries.csv', 'file:///public/%2e%2e/private/salaries.csv', 'file:///public/%2E%2E/private/salaries.csv', 'FILE:///public/../private/salaries.csv', 'file:///public/./../private/salaries.csv', 'file:///public\\..\\private\\salaries.csv']) {
        const answer = await post(app.url, read(uri), token);
        expect(answer.status, uri).toBe(400);
        expect(JSON.stringify(answer.body)).not.toContain('SECRET');
      }
      // A read of a template's own text is not canonical either.
      expect((await post(app.url, read('file:///public/{name}'), token)).status).toBe(400);
      // Not a URL at all, and subscriptions, are refused the same way.
      expect((await post(app.url, read('not a uri'), token)).status).toBe(400);
      expect((await post(app.url, rpc('resources/subscribe', { uri: 'file:///public/../private/salaries.csv' }), token)).status).toBe(400);
      // An Mcp-Name that repeats the body's non-canonical URI does not make it acceptable.
      const named = await post(app.url, read('file:///public/../private/salaries.csv'), token, { 'mcp-method': 'resources/read', 'mcp-name': 'file:///public/../private/salaries.csv' });
      expect(named.status).toBe(400);
    } finally {
      await app.close();
    }
  });

  it('with unlisted: "allow", a spelling the SDK rewrites cannot reach an exact entry', async () => {
    const app = await serve([express.json(), requireMcpAuth(verifier), requireToolScopes({}, { resources: { 'orders://reports/daily': 'reports:read' }, unlisted: 'allow' })], files);
    try {
      const token = await sign('orders:read');
      expect((await post(app.url, read('orders://reports/daily'), token)).status).toBe(403);
      for (const uri of ['ORDERS://reports/daily', 'orders://reports/./daily', 'orders://reports/x/../daily', 'Orders://reports/daily']) {
        const answer = await post(app.url, read(uri), token);
        expect(answer.status, uri).toBe(400);
        expect(JSON.stringify(answer.body)).not.toContain('SECRET');
      }
    } finally {
      await app.close();
    }
  });

  it('startup: a resource key the SDK would rewrite is a configuration error naming the form to write', () => {
    expect(() => requireToolScopes({}, { resources: { 'FILE:///x': 'a' } })).toThrow(/"file:\/\/\/x"/);
    expect(() => requireToolScopes({}, { resources: { 'file:///a/../b': 'a' } })).toThrow(TollgateConfigError);
    expect(() => requireToolScopes({}, { resources: { 'orders://reports/./*': 'a' } })).toThrow(/"orders:\/\/reports\/\*"/);
    expect(() => requireToolScopes({}, { resources: { 'not a uri': 'a' } })).toThrow(/is not a URL/);
    expect(() => requireToolScopes({}, { resources: { 'https://Example.com/*': 'a' } })).toThrow(TollgateConfigError);
    expect(() => requireToolScopes({}, { resources: { 'file:///public/*': 'a', 'orders://reports/daily': 'b', 'orders://items/*': 'c' } })).not.toThrow();
    // A URI template, for completions of its arguments, is kept as written.
    expect(() => requireToolScopes({}, { resources: { 'orders://items/{id}': 'a' } })).not.toThrow();
  });
});
