// Certificate-bound tokens (RFC 8705) through @tollgate/mcp over real HTTPS: requireMcpAuth and
// requireToolScopes hand core the connection's socket, as every adapter does, so a token bound to the
// client's certificate is accepted with that certificate and refused without it.
import { request, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createVerifier } from '@tollgate/core';
import { createTestCertificates, createTestIssuer, type TestCertificates, type TestIssuer } from '@tollgate/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requireMcpAuth, requireToolScopes } from '../src/index.js';

const RESOURCE = 'https://mcp.example.test/mcp';
let issuer: TestIssuer;
let certs: TestCertificates;
let server: Server;
let port: number;

beforeAll(async () => {
  [issuer, certs] = await Promise.all([createTestIssuer({ algorithms: ['ES256'] }), createTestCertificates()]);
  const verifier = createVerifier({ issuer: issuer.issuer, audience: RESOURCE, allowInsecureRequests: true });
  const app = express();
  app.post('/mcp', express.json(), requireMcpAuth(verifier), requireToolScopes({ list_orders: 'orders:read' }), (_req, res) => {
    res.json({ jsonrpc: '2.0', id: 1, result: { ran: true } });
  });
  server = createServer(certs.serverOptions(), app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await issuer?.close();
});

/** A tools/call of list_orders over HTTPS, presenting `client` (or no certificate). */
function callTool(token: string, client?: TestCertificates['client']): Promise<{ status: number; challenge: string | undefined }> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_orders', arguments: {} } });
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/mcp', method: 'POST', ...certs.clientOptions(client), agent: false, timeout: 5000, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, challenge: res.headers['www-authenticate'] as string | undefined }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// Review of issue 12 (b), F1: @tollgate/mcp gave core no socket, so every certificate-bound token was refused.
it('accepts a certificate-bound token with its certificate, and refuses it with none or another', async () => {
  const token = await issuer.sign({ aud: RESOURCE, scope: 'orders:read', cnf: certs.client.cnf });
  expect((await callTool(token, certs.client)).status).toBe(200);
  const other = await certs.createClient();
  for (const client of [undefined, other]) {
    const answer = await callTool(token, client);
    expect(answer.status).toBe(401);
    expect(answer.challenge).toMatch(/error="invalid_token"/);
  }
});
