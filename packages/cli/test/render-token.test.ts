// The token views: the JSON summary reads fields as core does, and the readable view escapes every value.
import { describe, expect, it } from 'vitest';
import type { DecodedToken } from '../src/decode-token.js';
import { renderToken, summarizeToken } from '../src/render-token.js';

const now = Date.parse('2026-11-23T18:36:00Z');
const s = now / 1000;
const token = (claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'ES256' }): DecodedToken => ({
  header,
  claims: { iss: 'https://auth.example.com/', aud: 'api', exp: s + 240, ...claims },
  signed: true,
});

describe('summarizeToken', () => {
  it('takes clientId from client_id, else azp, and subject from sub', () => {
    expect(summarizeToken(token({ client_id: 'cli', azp: 'web', sub: 'u' }), now)).toMatchObject({ clientId: 'cli', subject: 'u' });
    expect(summarizeToken(token({ azp: 'web' }), now)).toMatchObject({ clientId: 'web', subject: null });
  });

  it('does not show azp as the client when client_id is present with another type (core refuses the token)', () => {
    const summary = summarizeToken(token({ client_id: 123, azp: 'web' }), now);
    expect(summary.clientId).toBeNull();
    expect(summary.warnings).toContain('client_id is not a string: refused');
  });
});
