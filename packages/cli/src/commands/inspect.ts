// `tollgate inspect`: decodes a token without verifying it, for a person or (--json) a script.
import type { CliIo } from '../cli-io.js';
import { decodeToken, MalformedTokenError, type DecodedToken } from '../decode-token.js';
import { ExitCode } from '../exit-codes.js';
import type { InspectArgs } from '../parse-cli-args.js';
import { readToken } from '../read-token.js';
import { renderToken, summarizeToken } from '../render-token.js';
import { safeJson } from '../lib/safe-text.js';

/**
 * Runs `tollgate inspect`: prints the header and claims (never the signature) and warnings.
 * Returns {@link ExitCode.Ok}, or {@link ExitCode.InvalidToken} when the token cannot be decoded.
 * Throws `UsageError` when there is no token.
 * @param args the parsed command line
 * @param io streams and clock
 * @example await runInspect({ command: 'inspect', token: jwt, json: false }, resolveIo())
 * @see RFC 7519 section 7.2
 */
export async function runInspect(args: InspectArgs, io: CliIo): Promise<ExitCode> {
  const token = await readToken(args.token, io.stdin);
  const now = io.now();
  let decoded: DecodedToken;
  try {
    decoded = decodeToken(token);
  } catch (error) {
    if (!(error instanceof MalformedTokenError)) throw error;
    if (args.json) io.stdout.write(`${safeJson({ verified: false, error: 'malformed_token', description: error.message })}\n`);
    else io.stderr.write(`tollgate: malformed token: ${error.message}\n`);
    return ExitCode.InvalidToken;
  }
  if (args.json) {
    io.stdout.write(`${safeJson({ verified: false, ...summarizeToken(decoded, now) })}\n`);
  } else {
    io.stdout.write(`decoded, NOT verified (tollgate verify checks the signature)\n${renderToken(decoded, now)}`);
  }
  return ExitCode.Ok;
}
