// Nest on Express and Fastify: resource_metadata in challenges (RFC 9728), a scope hierarchy, @StepUp (RFC 9470),
// and the metadata served by the platform's own middleware, with real tokens from the local test issuer.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { protectedResourceMetadata } from '@tollgate/express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetadataResponder, createVerifier, Scopes, StepUp, TollgateConfigError, TollgateGuard, TollgateModule, type Verifier } from '../src/index.js';
import { PLATFORMS, start } from './support.js';

const RESOURCE = 'https://api.example.test/mcp';
const METADATA_URL = 'https://api.example.test/.well-known/oauth-protected-resource/mcp';
const NOW = Math.floor(Date.now() / 1000);

@Controller('mcp')
class McpController {
  @Scopes('orders:read')
  @Get('orders')
  orders() {
    return { ok: 'orders' };
  }

  @StepUp({ acrValues: ['phr'], maxAge: 300 })
  @Get('admin')
  admin() {
    return { ok: 'admin' };
  }
}

let issuer: TestIssuer;
let verifier: Verifier;
beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'], audience: RESOURCE });
  verifier = createVerifier({ issuer: issuer.issuer, resource: RESOURCE, allowInsecureRequests: true, scopeHierarchy: { wildcards: true } });
});
afterAll(async () => {
  await issuer.close();
});

describe.each(PLATFORMS)('Nest on %s', (platform) => {
  it('points every challenge to the metadata, honours the hierarchy and steps up', async () => {
    @Module({ imports: [TollgateModule.forRoot(verifier)], controllers: [McpController], providers: [{ provide: APP_GUARD, useClass: TollgateGuard }] })
    class AppModule {}
    const running = await start(platform, AppModule, (app) => {
      if (platform === 'express') app.use(protectedResourceMetadata(verifier));
    });
    try {
      const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
      const none = await running.get('/mcp/orders');
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(new RegExp(`^Bearer realm="api", resource_metadata="${METADATA_URL}"`));
      const narrow = await running.get('/mcp/orders', bearer(await issuer.sign({ scope: 'orders:write' })));
      expect(narrow.status).toBe(403);
      expect(narrow.headers.get('www-authenticate')).toContain(`scope="orders:read", resource_metadata="${METADATA_URL}"`);
      expect((await running.get('/mcp/orders', bearer(await issuer.sign({ scope: 'orders:*' })))).status).toBe(200);
      expect((await running.get('/mcp/admin', bearer(await issuer.sign({ acr: 'phr', auth_time: NOW - 5 })))).status).toBe(200);
      const weak = await running.get('/mcp/admin', bearer(await issuer.sign({ acr: 'pwd', auth_time: NOW - 5 })));
      expect(weak.status).toBe(401);
      expect(weak.headers.get('www-authenticate')).toContain(`error="insufficient_user_authentication"`);
      expect(weak.headers.get('www-authenticate')).toContain(`acr_values="phr", max_age=300, resource_metadata="${METADATA_URL}"`);
      if (platform === 'express') {
        const document = await running.get('/.well-known/oauth-protected-resource/mcp');
        expect(document.status).toBe(200);
        expect(await document.json()).toMatchObject({ resource: RESOURCE, authorization_servers: [issuer.issuer], scopes_supported: ['orders:read'] });
      }
    } finally {
      await running.close();
    }
  });
});

describe('@StepUp', () => {
  it('refuses an empty or invalid requirement where the class is defined', () => {
    expect(() => StepUp({})).toThrow(TollgateConfigError);
    expect(() => StepUp({ acrValues: [] })).toThrow(/acrValues/);
    expect(() => StepUp({ maxAge: 'soon' })).toThrow(/maxAge/);
    expect(() => createMetadataResponder(createVerifier({ issuer: 'https://auth.example.test/', audience: RESOURCE }))).toThrow(/resource option/);
  });
});
