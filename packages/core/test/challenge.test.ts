import { describe, expect, it } from 'vitest';
import { renderChallenge } from '../src/lib/challenge.js';

/** Parses `Bearer k="v", k="v"` strictly; returns undefined when the header does not have that shape. */
function parse(header: string): Record<string, string> | undefined {
  const match = /^Bearer(?: (.*))?$/.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const rest = match[1] ?? '';
  const attribute = /([a-z_]+)="((?:[^"\\]|\\.)*)"(?:, |$)/gy;
  let consumed = 0;
  for (let m = attribute.exec(rest); m; m = attribute.exec(rest)) {
    params[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
    consumed = attribute.lastIndex;
  }
  return consumed === rest.length ? params : undefined;
}

const printableAscii = /^[\x20-\x7e]*$/;

describe('renderChallenge', () => {
  it('renders just the scheme when there is nothing to say', () => {
    expect(renderChallenge({})).toBe('Bearer');
  });

  it('renders attributes in the order realm, error, error_description, scope', () => {
    expect(renderChallenge({ scope: 'a b', errorDescription: 'token lacks a required scope', error: 'insufficient_scope', realm: 'api' })).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="a b"',
    );
  });

  it('renders an empty realm but omits empty error, description and scope', () => {
    expect(renderChallenge({ realm: '', error: '', errorDescription: '', scope: '' })).toBe('Bearer realm=""');
  });

  it('renders a scope attribute on its own', () => {
    expect(renderChallenge({ scope: 'orders:read orders:write' })).toBe('Bearer scope="orders:read orders:write"');
  });

  it('escapes a double quote and a backslash in the realm', () => {
    const header = renderChallenge({ realm: 'my "api" \\ v2' });
    expect(header).toBe('Bearer realm="my \\"api\\" \\\\ v2"');
    expect(parse(header)).toEqual({ realm: 'my "api" \\ v2' });
  });

  it('drops CR, LF and other control characters from the realm, so no header can be injected', () => {
    const header = renderChallenge({ realm: 'api\r\nSet-Cookie: session=stolen\u0000\u007f' });
    expect(header).toBe('Bearer realm="apiSet-Cookie: session=stolen"');
    expect(header).toMatch(printableAscii);
  });

  it('drops non-ASCII characters from the realm', () => {
    expect(renderChallenge({ realm: 'Café ☕' })).toBe('Bearer realm="Caf "');
  });

  it('drops double quotes and backslashes from error_description and scope instead of escaping them', () => {
    expect(renderChallenge({ errorDescription: 'bad "token" \\ here', scope: 'a"b c\\d' })).toBe('Bearer error_description="bad token  here", scope="ab cd"');
  });

  it('drops CR/LF and non-ASCII characters from error, error_description and scope', () => {
    const header = renderChallenge({ error: 'invalid_token\r\nX-Evil: 1', errorDescription: 'expired\r\n\r\n<html>é', scope: 'read\nwrite' });
    expect(header).toBe('Bearer error="invalid_tokenX-Evil: 1", error_description="expired<html>", scope="readwrite"');
    expect(header).toMatch(printableAscii);
  });

  it('keeps a hostile description inside its own quoted value', () => {
    const header = renderChallenge({ realm: 'api", error="none', error: 'invalid_token', errorDescription: 'x", scope="admin', scope: 'read' });
    expect(parse(header)).toEqual({ realm: 'api", error="none', error: 'invalid_token', error_description: 'x, scope=admin', scope: 'read' });
  });

  it('always renders a header that parses back to the attributes given', () => {
    const samples = ['', 'a', '"', '\\', '\\"', 'a,b', 'x=y', '\t', '\r\n', 'é', '"\\"\\'];
    for (const realm of samples) {
      for (const description of samples) {
        const header = renderChallenge({ realm, error: 'invalid_token', errorDescription: description });
        expect(header).toMatch(printableAscii);
        const params = parse(header);
        expect(params, header).toBeDefined();
        expect(params?.error).toBe('invalid_token');
      }
    }
  });
});
