// The NestJS example (examples/nest/nest-app.ts): the orders API answers as the other frameworks' examples do.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNestApp } from '../../../examples/nest/nest-app.js';
import { useIssuer } from '../../../test/support/issuer.js';

describe('examples/nest/nest-app.ts', () => {
  const issuer = useIssuer();
  let app: Awaited<ReturnType<typeof createNestApp>>;
  let url = '';
  beforeAll(async () => {
    app = await createNestApp(issuer.options());
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  it('GET /orders needs orders:read and returns the orders and the client', async () => {
    expect((await fetch(`${url}/orders`)).status).toBe(401);
    expect((await fetch(`${url}/orders`, { headers: { authorization: await issuer.bearer({ scope: 'orders:write' }) } })).status).toBe(403);
    const ok = await fetch(`${url}/orders`, { headers: { authorization: await issuer.bearer({ scope: 'orders:read' }) } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ orders: [{ id: 1, item: 'coffee' }], client: 'client-123' });
  });

  it('POST /orders needs orders:write and answers 201', async () => {
    const denied = await fetch(`${url}/orders`, { method: 'POST', headers: { authorization: await issuer.bearer({ scope: 'orders:read' }) } });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toContain('scope="orders:write"');
    const created = await fetch(`${url}/orders`, { method: 'POST', headers: { authorization: await issuer.bearer({ scope: 'orders:write' }) } });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ id: 2, createdBy: 'client-123' });
  });
});
