import { describe, expect, it } from 'vitest';
import { encodeJwt } from '@tollgate/testing';
import { decodeToken, MalformedTokenError } from '../src/decode-token.js';

const b64 = (text: string) => Buffer.from(text).toString('base64url');

describe('decodeToken', () => {
  it('decodes the header and claims and only notes whether a signature is there', () => {
    const decoded = decodeToken(encodeJwt({ alg: 'ES256', kid: 'k' }, { sub: 'x', exp: 1 }, 'c2ln'));
    expect(decoded).toEqual({ header: { alg: 'ES256', kid: 'k' }, claims: { sub: 'x', exp: 1 }, signed: true });
    expect(decodeToken(encodeJwt({ alg: 'none' }, {})).signed).toBe(false);
  });

  it.each([
    ['abc', "not a JWT: expected 3 segments separated by '.', found 1"],
    ['a.b.c.d', "not a JWT: expected 3 segments separated by '.', found 4"],
    ['a.b.c.d.e', 'an encrypted JWT (JWE, 5 segments): its claims cannot be read without the decryption key'],
    [`.${b64('{}')}.`, 'the header segment is empty'],
    [`${b64('{}')}..`, 'the claims segment is empty'],
    [`${b64('{}')}.${b64('{}')}.si+g`, 'the signature segment is not base64url'],
    [`e+J9.${b64('{}')}.`, 'the header segment is not base64url'],
    [`${b64('{}')}.abcde.`, 'the claims segment is not base64url'],
    [`${b64('{"alg"')}.${b64('{}')}.`, 'the header segment is not JSON'],
    [`${b64('{}')}.${b64('[1]')}.`, 'the claims segment is not a JSON object'],
    [`${b64('null')}.${b64('{}')}.`, 'the header segment is not a JSON object'],
  ])('refuses %s: %s', (token, message) => {
    expect(() => decodeToken(token)).toThrow(new MalformedTokenError(message));
  });

  it('never puts the token in its message', () => {
    const token = `${b64('{}')}.${b64('not json')}.c2lnbmF0dXJl`;
    expect(() => decodeToken(token)).toThrow(expect.objectContaining({ message: expect.not.stringContaining('c2lnbmF0dXJl') }));
  });
});
