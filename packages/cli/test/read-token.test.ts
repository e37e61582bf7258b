import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_STDIN_BYTES, readToken, type TokenInput } from '../src/read-token.js';
import { UsageError } from '../src/lib/usage-error.js';
import { terminal } from './support/in-process.js';

const piped = (...chunks: string[]): TokenInput => Readable.from(chunks.map((chunk) => Buffer.from(chunk)));

describe('readToken', () => {
  it('takes the argument, trimmed, without a "Bearer " prefix, and never reads stdin then', async () => {
    await expect(readToken('  Bearer a.b.c \n', terminal)).resolves.toBe('a.b.c');
    await expect(readToken('a.b.c', piped('x.y.z'))).resolves.toBe('a.b.c');
  });

  it('reads stdin for "-" or no argument when stdin is a pipe, across chunks', async () => {
    await expect(readToken('-', piped('bea', 'rer a.', 'b.c\n'))).resolves.toBe('a.b.c');
    await expect(readToken(undefined, piped('a.b.c'))).resolves.toBe('a.b.c');
    // "-" is an explicit request for stdin, even from a terminal (a person may paste and press Ctrl-D).
    const tty: TokenInput = Object.assign(piped('a.b.c'), { isTTY: true });
    await expect(readToken('-', tty)).resolves.toBe('a.b.c');
  });

  it('does not wait on a terminal when no token is given', async () => {
    await expect(readToken(undefined, terminal)).rejects.toThrow(UsageError);
  });

  it('refuses an empty token', async () => {
    await expect(readToken('-', piped(' \n'))).rejects.toThrow('no token on stdin');
    await expect(readToken('Bearer ', terminal)).rejects.toThrow('the token is empty');
  });

  it('stops reading stdin once it passes 64 KiB, and ends the source', async () => {
    let chunksRead = 0;
    let ended = false;
    async function* endless() {
      try {
        for (;;) {
          chunksRead += 1;
          yield new Uint8Array(16 * 1024);
        }
      } finally {
        ended = true;
      }
    }
    await expect(readToken('-', endless())).rejects.toThrow(`stdin holds more than ${MAX_STDIN_BYTES / 1024} KiB`);
    expect(chunksRead).toBe(5);
    expect(ended).toBe(true);
  });

  it('accepts exactly 64 KiB', async () => {
    const token = 'a'.repeat(MAX_STDIN_BYTES);
    await expect(readToken('-', piped(token))).resolves.toHaveLength(MAX_STDIN_BYTES);
  });
});
