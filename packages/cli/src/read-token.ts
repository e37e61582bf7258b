// Gets the token from the argument or from stdin, bounded, with whitespace and a "Bearer " prefix removed.
import { UsageError } from './lib/usage-error.js';

/** Most bytes read from stdin. Far above any real token (tollgate's verifier refuses over 8 KiB). */
export const MAX_STDIN_BYTES = 64 * 1024;

/** Where a piped token comes from: `process.stdin` or any async iterable of chunks. */
export interface TokenInput extends AsyncIterable<string | Uint8Array> {
  /** `true` when a person could be typing: then stdin is not read. */
  readonly isTTY?: boolean | undefined;
}

/**
 * The token to check: `argument`, or stdin when `argument` is `-` or absent and stdin is not a
 * terminal. Trims whitespace and a leading `Bearer ` (as copied from an Authorization header).
 * Throws {@link UsageError} when there is no token or stdin holds more than {@link MAX_STDIN_BYTES}.
 * @param argument the command's positional argument
 * @param stdin the standard input
 * @example
 * // echo "Bearer eyJ..." | tollgate inspect
 * const token = await readToken(undefined, process.stdin);
 * @see RFC 6750 section 2.1 (the "Bearer" prefix)
 */
export async function readToken(argument: string | undefined, stdin: TokenInput): Promise<string> {
  let text: string;
  if (argument !== undefined && argument !== '-') {
    text = argument;
  } else if (argument === undefined && stdin.isTTY) {
    throw new UsageError('no token: pass it as an argument, or pipe it in (… | tollgate <command> -)');
  } else {
    text = await readBounded(stdin, MAX_STDIN_BYTES);
  }
  const token = text.trim().replace(/^Bearer(\s+|$)/i, '').trim();
  if (token === '') throw new UsageError(argument === undefined || argument === '-' ? 'no token on stdin' : 'the token is empty');
  return token;
}

async function readBounded(stdin: TokenInput, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early (the throw) ends the iterator, which destroys a stream: the rest is never buffered.
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    size += buffer.length;
    if (size > maxBytes) throw new UsageError(`stdin holds more than ${maxBytes / 1024} KiB; that is not a token`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
