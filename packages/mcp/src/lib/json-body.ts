// The request's JSON-RPC body: the one a body parser already made, or read here from the stream within a cap.
import type { Request } from 'express';

/** The body, or why there is none to check. */
export type BodyOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly problem: 'too_large' | 'malformed' | 'encoded' | 'consumed' };

/** Reads and parses the body of `req` as JSON, at most `maxBytes` bytes; sets `req.body` to what it parsed. */
export async function readJsonBody(req: Request, maxBytes: number): Promise<BodyOutcome> {
  // A parser (express.json()) already ran: that value is the one the transport will be given.
  if (req.body !== undefined) {
    // express.text() or express.raw() leave a string or a Buffer the transport could not use either.
    return typeof req.body === 'object' && req.body !== null && !Buffer.isBuffer(req.body) ? { ok: true, value: req.body } : { ok: false, problem: 'malformed' };
  }
  // The stream was read by something that did not leave a body behind: nothing here can tell what the transport gets.
  if (req.readableEnded || req.readableDidRead) return { ok: false, problem: 'consumed' };
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return { ok: false, problem: 'encoded' };
  if (Number(req.headers['content-length']) > maxBytes) return { ok: false, problem: 'too_large' };
  const chunks: Buffer[] = [];
  let size = 0;
  // undefined: over the cap; null: the stream failed (the client went away): nothing to answer.
  const text = await new Promise<string | undefined | null>((resolve) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        // Stop buffering; the rest is drained so the 413 can still be answered on this connection.
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(new TextDecoder().decode(Buffer.concat(chunks)));
    };
    const onError = () => {
      cleanup();
      resolve(null);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    // A connection closed before the end of the body: no promise is left waiting for it.
    req.on('close', onError);
  });
  if (text === undefined) return { ok: false, problem: 'too_large' };
  if (text === null) return { ok: false, problem: 'malformed' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  // The transport must be given this very value (handleRequest(req, res, req.body)): the stream is spent.
  req.body = value;
  return { ok: true, value };
}
