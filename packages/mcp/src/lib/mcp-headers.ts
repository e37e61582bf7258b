// The Mcp-Method and Mcp-Name request headers: when a client sends them, they must say what the body says.
import type { Request } from 'express';
import { nameOf } from './operations.js';

/** Every value of header `name` (lower case) as sent, from the raw headers: Node joins repeated ones. */
function valuesOf(req: Request, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === name) values.push(req.rawHeaders[i + 1]!);
  return values;
}

/**
 * Why the headers contradict the body, or `undefined` when they agree or are absent. They describe one
 * message: with a batch, a repeated header, a method that differs, or a name that differs (or a name for a
 * method that has none) the request is refused, so a proxy or gateway that routes or authorizes by header can
 * never be shown one operation while the server runs another.
 */
export function headerMismatch(req: Request, body: unknown): string | undefined {
  const methods = valuesOf(req, 'mcp-method');
  const names = valuesOf(req, 'mcp-name');
  if (methods.length === 0 && names.length === 0) return undefined;
  if (methods.length > 1 || names.length > 1) return 'Mcp-Method and Mcp-Name may be sent once each';
  if (Array.isArray(body)) return 'Mcp-Method and Mcp-Name describe a single message, not a batch';
  const message = body as Record<string, unknown>;
  if (methods.length === 1 && methods[0] !== message.method) return 'Mcp-Method does not match the method of the request body';
  if (names.length === 1) {
    const name = nameOf(message);
    if (typeof name !== 'string' || names[0] !== name) return 'Mcp-Name does not match the name of the request body';
  }
  return undefined;
}
