// Claim validators fail closed: only `true` admits; false refuses; a throw, a rejection, a non-boolean or a timeout is a failure.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { validateClaimRules, type AccessToken, type ClaimValidator } from '../src/index.js';
import { runClaimValidators } from '../src/lib/run-claim-validators.js';

const token = Object.freeze({ claims: Object.freeze({ sub: 'u1', jti: 'j1' }) }) as unknown as AccessToken;
const run = (validators: ClaimValidator | ClaimValidator[], timeoutMs = 50) => runClaimValidators(validateClaimRules(validators, 'test'), token, timeoutMs);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('runClaimValidators', () => {
  it('admits on true, synchronously', () => {
    expect(run(() => true)).toBeUndefined();
  });

  it('admits on a promise of true', async () => {
    expect(await run(async () => true)).toBeUndefined();
  });

  it('refuses on false, naming the validator', () => {
    function notRevoked() {
      return false;
    }
    expect(run(notRevoked)).toEqual({ rule: { kind: 'validator', validator: 'notRevoked' }, refused: true });
  });

  it.each<[string, ClaimValidator, string]>([
    ['throws', () => { throw new Error('db down'); }, 'threw'],
    ['rejects', async () => { throw new Error('db down'); }, 'threw'],
    ['returns undefined', (() => undefined) as unknown as ClaimValidator, 'not_boolean'],
    ['returns a truthy string', (() => 'yes') as unknown as ClaimValidator, 'not_boolean'],
    ['returns 1', (() => 1) as unknown as ClaimValidator, 'not_boolean'],
    ['returns a promise of undefined', (async () => undefined) as unknown as ClaimValidator, 'not_boolean'],
    ['returns a promise of a truthy object', (async () => ({ ok: true })) as unknown as ClaimValidator, 'not_boolean'],
    ['returns a plain object', (() => ({ ok: true })) as unknown as ClaimValidator, 'not_boolean'],
    ['returns a thenable whose then throws', (() => ({ then() { throw new Error('x'); } })) as unknown as ClaimValidator, 'threw'],
    ['never settles', () => new Promise<boolean>(() => undefined), 'timeout'],
  ])('a validator that %s fails to decide: never a pass', async (_name, validator, failure) => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const verdict = await run(validator);
    expect(verdict).toMatchObject({ refused: false, rule: { kind: 'validator', failure } });
  });

  it('keeps what a validator threw as the cause, never in the rule', async () => {
    const cause = new Error('secret connection string');
    const verdict = await run(async () => {
      throw cause;
    });
    expect(verdict?.cause).toBe(cause);
    expect(JSON.stringify(verdict?.rule)).not.toContain('secret');
  });

  it('warns once per validator that returns no boolean', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const sloppy = ((claims: { sub?: string }) => claims.sub && undefined) as unknown as ClaimValidator;
    run(sloppy);
    run(sloppy);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/claim validator sloppy did not return true or false/);
  });

  it('aborts the signal when it stops waiting, and a late rejection is left unhandled nowhere', async () => {
    let signal: AbortSignal | undefined;
    let rejectLate: (error: Error) => void = () => undefined;
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const verdict = await run((_claims, _token, context) => {
        signal = context.signal;
        return new Promise<boolean>((_resolve, reject) => {
          rejectLate = reject;
        });
      }, 20);
      expect(verdict).toMatchObject({ refused: false, rule: { failure: 'timeout' } });
      expect(signal?.aborted).toBe(true);
      rejectLate(new Error('late'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('runs validators in order and stops at the first that does not admit', async () => {
    const calls: string[] = [];
    const verdict = await run([
      () => (calls.push('a'), true),
      async () => (calls.push('b'), true),
      function third() {
        calls.push('c');
        return false;
      },
      () => (calls.push('d'), true),
    ]);
    expect(calls).toEqual(['a', 'b', 'c']);
    expect(verdict).toMatchObject({ refused: true, rule: { validator: 'third' } });
  });

  it('passes the frozen claims and the token', () => {
    let seen: unknown[] = [];
    run((claims, t) => {
      seen = [claims, t];
      return true;
    });
    expect(seen).toEqual([token.claims, token]);
  });
});
