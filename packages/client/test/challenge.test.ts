// Which 401 answers make client.fetch renew and retry: a Bearer challenge with error="invalid_token", and nothing else.
import { describe, expect, it } from 'vitest';
import { canReplay, isInvalidTokenChallenge } from '../src/lib/authorized-fetch.js';

describe('isInvalidTokenChallenge', () => {
  it.each([
    ['Bearer realm="api", error="invalid_token", error_description="expired"', true],
    ['bearer error=invalid_token', true],
    ['Basic realm="x", Bearer realm="api", error="invalid_token"', true],
    ['Newauth abc==, Bearer error="invalid_token"', true],
    ['Bearer realm="api", error="insufficient_scope", scope="orders:write"', false],
    ['Bearer realm="api"', false],
    ['DPoP error="invalid_token", Bearer realm="api"', false],
    ['Bearer error_description="error=\\"invalid_token\\""', false],
    ['', false],
  ])('%s → %s', (header, expected) => {
    expect(isInvalidTokenChallenge(header)).toBe(expected);
  });

  it('is false without a header, and for an oversized one', () => {
    expect(isInvalidTokenChallenge(null)).toBe(false);
    expect(isInvalidTokenChallenge(`Bearer error="invalid_token", x="${'a'.repeat(9000)}"`)).toBe(false);
  });
});

describe('canReplay', () => {
  it('strings, form data, buffers and blobs can be sent twice; streams cannot', () => {
    expect(canReplay('https://api.example.com', undefined)).toBe(true);
    expect(canReplay('https://api.example.com', { method: 'POST', body: '{}' })).toBe(true);
    expect(canReplay('https://api.example.com', { method: 'POST', body: new URLSearchParams({ a: '1' }) })).toBe(true);
    expect(canReplay('https://api.example.com', { method: 'POST', body: new Uint8Array(2) })).toBe(true);
    expect(canReplay('https://api.example.com', { method: 'POST', body: new Blob(['x']) })).toBe(true);
    expect(canReplay('https://api.example.com', { method: 'POST', body: new ReadableStream() })).toBe(false);
    expect(canReplay(new Request('https://api.example.com', { method: 'POST', body: 'x' }), undefined)).toBe(false);
    expect(canReplay(new Request('https://api.example.com'), undefined)).toBe(true);
  });
});
