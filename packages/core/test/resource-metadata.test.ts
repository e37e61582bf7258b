// The resource identifier's one spelling (RFC 8707, MCP) and where its metadata lives (RFC 9728 section 3.1).
import { describe, expect, it } from 'vitest';
import { metadataLocation, renderResourceMetadata } from '../src/lib/resource-metadata.js';
import { checkResourceUri, sameResource } from '../src/lib/resource-uri.js';

describe('checkResourceUri', () => {
  it.each(['https://api.example.com', 'https://api.example.com/mcp', 'https://api.example.com:8443/v1/mcp'])('accepts %s', (value) => {
    expect(checkResourceUri('resource', value, false)).toBeUndefined();
  });

  it.each([
    ['https://api.example.com/', "must be written as 'https://api.example.com'"],
    ['https://api.example.com/mcp/', "must be written as 'https://api.example.com/mcp'"],
    ['https://API.example.com/mcp', "must be written as 'https://api.example.com/mcp'"],
    ['HTTPS://api.example.com/mcp', "must be written as 'https://api.example.com/mcp'"],
    ['https://api.example.com:443/mcp', "must be written as 'https://api.example.com/mcp'"],
    ['https://api.example.com/a/../mcp', "must be written as 'https://api.example.com/mcp'"],
    ['https://api.example.com/mcp#x', 'must not have a fragment'],
    ['https://api.example.com/mcp#', 'must not have a fragment'],
    ['https://api.example.com/mcp?', 'must not have a query'],
    ['https://api.example.com/mcp?tenant=a', 'must not have a query'],
    ['http://api.example.com/mcp', 'must be an https URL'],
    ['https://user:pw@api.example.com/mcp', 'must not carry credentials'],
    ['/mcp', 'is not an absolute URL'],
    ['urn:example:api', 'must be an https URL'],
  ])('refuses %s', (value, problem) => {
    expect(checkResourceUri('resource', value, false)).toContain(problem);
  });

  it('takes http on loopback only with allowInsecureRequests', () => {
    expect(checkResourceUri('resource', 'http://127.0.0.1:3000/mcp', true)).toBeUndefined();
    expect(checkResourceUri('resource', 'http://127.0.0.1:3000/mcp', false)).toContain('allowInsecureRequests');
  });
});

describe('sameResource', () => {
  it('compares exactly, with the one equivalence RFC 3986 gives an origin: its trailing slash', () => {
    expect(sameResource('https://api.example.com', 'https://api.example.com/')).toBe(true);
    expect(sameResource('https://api.example.com/mcp', 'https://api.example.com/mcp')).toBe(true);
    for (const other of ['https://api.example.com/mcp/', 'https://api.example.com/mcp2', 'https://API.example.com/mcp', 'https://api.example.com:444/mcp', 'https://api.example.com']) {
      expect(sameResource('https://api.example.com/mcp', other), other).toBe(false);
    }
  });
});

describe('metadataLocation', () => {
  it('puts the well-known suffix between the host and the path', () => {
    expect(metadataLocation('https://api.example.com')).toEqual({
      path: '/.well-known/oauth-protected-resource',
      url: 'https://api.example.com/.well-known/oauth-protected-resource',
    });
    expect(metadataLocation('https://api.example.com:8443/v1/mcp')).toEqual({
      path: '/.well-known/oauth-protected-resource/v1/mcp',
      url: 'https://api.example.com:8443/.well-known/oauth-protected-resource/v1/mcp',
    });
  });
});

describe('renderResourceMetadata', () => {
  it('renders members in a fixed order, without empty ones, scopes sorted and unique', () => {
    const text = renderResourceMetadata({
      resource: 'https://api.example.com/mcp',
      scopes_supported: ['tools:write', 'tools:read', 'tools:read'],
      authorization_servers: ['https://auth.example.com/'],
      bearer_methods_supported: ['header'],
      resource_documentation: undefined,
      dpop_signing_alg_values_supported: [],
    });
    expect(text).toBe(
      '{"resource":"https://api.example.com/mcp","authorization_servers":["https://auth.example.com/"],"scopes_supported":["tools:read","tools:write"],"bearer_methods_supported":["header"]}',
    );
  });
});
