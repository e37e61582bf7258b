// Reads a bounded application/x-www-form-urlencoded request body into single-valued parameters.
import type { IncomingMessage } from 'node:http';
import { TokenRequestError } from './token-error.js';

/**
 * Resolves to the body's parameters. RFC 6749 section 3.2: parameters sent without a value are
 * omitted and none may be repeated. A body over `limit` bytes ends in a 413 (the connection closes).
 */
export async function readFormBody(req: IncomingMessage, limit: number): Promise<Map<string, string>> {
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    req.resume();
    throw new TokenRequestError('invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  const tooLarge = () =>
    new TokenRequestError('invalid_request', 'request body too large', { status: 413, headers: { connection: 'close' } });
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge();
  const body = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop reading at the bound without destroying the socket: the 413 still has to be written,
        // and its Connection: close drops whatever the client sends after it.
        req.off('data', onData).off('end', onEnd).pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData).on('end', onEnd).once('error', reject);
  });
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    if (value === '') continue;
    if (params.has(name)) throw new TokenRequestError('invalid_request', `parameter ${name} is repeated`);
    params.set(name, value);
  }
  return params;
}
