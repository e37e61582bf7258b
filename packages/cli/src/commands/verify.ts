// `tollgate verify`: runs @tollgate/core's verifier and scope check, and shows the outcome as an API would.
import {
  assertScopes,
  createVerifier,
  isTollgateError,
  TollgateConfigError,
  validateScopes,
  type AccessToken,
  type Algorithm,
  type Verifier,
} from '@tollgate/core';
import type { CliIo } from '../cli-io.js';
import { exitCodeFor } from '../exit-code-for.js';
import { ExitCode } from '../exit-codes.js';
import { explainRefusal } from '../explain-refusal.js';
import type { VerifyArgs } from '../parse-cli-args.js';
import { readToken } from '../read-token.js';
import { renderRefusal, summarizeRefusal } from '../render-refusal.js';
import { renderToken, summarizeToken } from '../render-token.js';
import { safeJson, safeText } from '../lib/safe-text.js';
import { UsageError } from '../lib/usage-error.js';

/**
 * Runs `tollgate verify`: the real verifier (`createVerifier().verify`) then `assertScopes`.
 * Returns {@link ExitCode.Ok}, or the exit code of the refusal (1 invalid token, 2 insufficient
 * scope, 3 keys unavailable). Throws `UsageError` for invalid options (core's TollgateConfigError
 * message) or a missing token.
 * @param args the parsed command line
 * @param io streams and clock
 * @example await runVerify(parseCliArgs(['verify', jwt, '--issuer', iss, '--audience', aud]) as VerifyArgs, resolveIo())
 * @see RFC 6750 section 3, RFC 9068 section 4
 */
export async function runVerify(args: VerifyArgs, io: CliIo): Promise<ExitCode> {
  // Options first: a mistake there is reported before anything is read from stdin or fetched.
  const scopes = asUsage(() => validateScopes(args.scopes, '--scope'));
  const verifier = asUsage(() => createVerifierFor(args, io));
  const token = await readToken(args.token, io.stdin);
  const mode = args.anyScope ? 'any' : 'all';
  let accessToken: AccessToken;
  try {
    accessToken = await verifier.verify(token);
    assertScopes(accessToken, scopes, { mode, realm: verifier.options.realm });
  } catch (error) {
    if (!isTollgateError(error)) throw error;
    const { issuers, audiences, algorithms } = verifier.options;
    const hint = explainRefusal(error, token, { issuers, audiences, algorithms }, io.now());
    io.stdout.write(args.json ? `${safeJson(summarizeRefusal(error, hint))}\n` : renderRefusal(error, hint));
    return exitCodeFor(error);
  }
  const view = { header: accessToken.header, claims: accessToken.claims, signed: true };
  const now = io.now();
  if (args.json) {
    io.stdout.write(`${safeJson({ valid: true, ...summarizeToken(view, now, { warnings: false }), scopes: accessToken.scopes })}\n`);
  } else {
    const scopeNote = scopes.length ? `; scopes: ${mode} of ${safeText(scopes.join(' '))}` : '';
    io.stdout.write(`valid: signature, issuer, audience, times and type checked${scopeNote}\n${renderToken(view, now, { warnings: false })}`);
  }
  return ExitCode.Ok;
}

function createVerifierFor(args: VerifyArgs, io: CliIo): Verifier {
  return createVerifier({
    issuer: args.issuers,
    audience: args.audiences,
    ...(args.jwksUri !== undefined && { jwksUri: args.jwksUri }),
    // Checked by core's option schema, which names a wrong one; the cast only widens the CLI's strings.
    ...(args.algorithms !== undefined && { algorithms: args.algorithms as readonly Algorithm[] }),
    ...(args.clockTolerance !== undefined && { clockTolerance: args.clockTolerance }),
    ...(args.maxTokenAge !== undefined && { maxTokenAge: args.maxTokenAge }),
    ...(args.realm !== undefined && { realm: args.realm }),
    ...(args.timeout !== undefined && { jwks: { timeout: args.timeout } }),
    strict: args.strict,
    allowInsecureRequests: args.insecureHosts.length > 0 ? { hosts: args.insecureHosts } : args.allowInsecureRequests,
    // One token, one run: a verified-token cache would only hold memory.
    cache: false,
    now: io.now,
  });
}

// Core names options as in code (clockTolerance, jwks.timeout); a CLI user typed flags.
const FLAGS: Record<string, string> = {
  issuer: '--issuer',
  audience: '--audience',
  jwksUri: '--jwks-uri',
  algorithms: '--algorithms',
  clockTolerance: '--clock-tolerance',
  maxTokenAge: '--max-token-age',
  'jwks.timeout': '--timeout',
  'allowInsecureRequests.hosts': '--allow-insecure-host',
  realm: '--realm',
};

function asUsage<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof TollgateConfigError)) throw error;
    const message = error.message
      // [ \t]*, not \s*: \s would span lines, and each line start would rescan every blank line after it
      // (quadratic in a value of many lines that core quotes back).
      .replace(/^([ \t]*- )([A-Za-z.]+?)(\.\d+)?:/gm, (whole, lead: string, name: string) => (FLAGS[name] ? `${lead}${FLAGS[name]}:` : whole))
      .replace('set allowInsecureRequests: true', 'pass --allow-insecure-requests')
      .replace(/allowInsecureRequests: \{ hosts: \['([^']*)'\] \}/, '--allow-insecure-host $1')
      .replace('allowInsecureRequests: true allows', '--allow-insecure-requests allows')
      // main adds its own 'tollgate: ' prefix.
      .replace(/^tollgate: /, '');
    throw new UsageError(message, 'verify');
  }
}
