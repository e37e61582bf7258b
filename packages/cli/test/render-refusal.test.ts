import { describe, expect, it } from 'vitest';
import { ClaimsUnavailableError, InsufficientClaimsError, InsufficientScopeError, IntrospectionUnavailableError, InvalidTokenError, JwksUnavailableError, MissingTokenError } from '@tollgate/core';
import { exitCodeFor } from '../src/exit-code-for.js';
import { ExitCode } from '../src/exit-codes.js';
import { renderRefusal, summarizeRefusal } from '../src/render-refusal.js';

describe('renderRefusal', () => {
  it('prints the reason, then the response exactly as core renders it', () => {
    const error = new InvalidTokenError('token expired', { reason: 'expired', realm: 'api' });
    expect(renderRefusal(error, 'exp 2026-11-23T16:36:00Z (expired 2 h ago)')).toBe(
      [
        'refused: token expired',
        '  status     401',
        '  code       invalid_token',
        '  reason     expired',
        '  why        exp 2026-11-23T16:36:00Z (expired 2 h ago)',
        '',
        'An API would answer:',
        'HTTP/1.1 401 Unauthorized',
        'WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="token expired"',
        'Cache-Control: no-store',
        'Content-Type: application/json; charset=utf-8',
        '',
        '{"error":"invalid_token","error_description":"token expired"}',
        '',
      ].join('\n'),
    );
  });

  it('includes Retry-After for a 503 and leaves out an absent hint', () => {
    const text = renderRefusal(new JwksUnavailableError({ retryAfter: 12.2, realm: 'api' }));
    expect(text).toContain('HTTP/1.1 503 Service Unavailable\n');
    expect(text).toContain('Retry-After: 13\n');
    expect(text).not.toContain('why');
  });

  it('renders a refusal without an error code (no credentials) with a bare challenge', () => {
    const text = renderRefusal(new MissingTokenError({ realm: 'api' }));
    expect(text).toContain('  code       (none)\n');
    expect(text).toContain('WWW-Authenticate: Bearer realm="api"\n');
  });
});

describe('summarizeRefusal', () => {
  it('gives the fields scripts branch on, the parsed body and every header', () => {
    const error = new InsufficientScopeError(['orders:write'], { realm: 'orders' });
    expect(summarizeRefusal(error)).toEqual({
      valid: false,
      status: 403,
      code: 'insufficient_scope',
      reason: 'insufficient_scope',
      description: 'token lacks a required scope',
      wwwAuthenticate: 'Bearer realm="orders", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:write"',
      headers: {
        'WWW-Authenticate': 'Bearer realm="orders", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:write"',
        'Cache-Control': 'no-store',
        'Content-Type': 'application/json; charset=utf-8',
      },
      body: { error: 'insufficient_scope', error_description: 'token lacks a required scope' },
      hint: null,
    });
  });
});

describe('exitCodeFor', () => {
  it('maps 403 to 2, 503 to 3 and every other refusal to 1', () => {
    expect(exitCodeFor(new InsufficientScopeError(['a']))).toBe(ExitCode.InsufficientScope);
    expect(exitCodeFor(new JwksUnavailableError({ retryAfter: 1 }))).toBe(ExitCode.Unavailable);
    expect(exitCodeFor(new IntrospectionUnavailableError({ retryAfter: 1 }))).toBe(ExitCode.Unavailable);
    expect(exitCodeFor(new ClaimsUnavailableError({ rule: { kind: 'validator', validator: 'v', failure: 'timeout' } }))).toBe(ExitCode.Unavailable);
    expect(exitCodeFor(new InsufficientClaimsError({ rule: { claim: 'tenant', kind: 'equals' } }))).toBe(ExitCode.InsufficientScope);
    expect(exitCodeFor(new InvalidTokenError('invalid signature', { reason: 'signature' }))).toBe(ExitCode.InvalidToken);
    expect(exitCodeFor(new MissingTokenError())).toBe(ExitCode.InvalidToken);
  });
});
