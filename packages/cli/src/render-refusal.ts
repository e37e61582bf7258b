// How a refusal is shown: the reason, and the RFC 6750 response an API would send for it.
import { STATUS_CODES } from 'node:http';
import { toErrorResponse, type TollgateError, type TollgateErrorCode, type TollgateErrorReason } from '@tollgate/core';
import { safeText } from './lib/safe-text.js';

/** The JSON view of a refusal, as `verify --json` prints it. */
export interface RefusalSummary {
  readonly valid: false;
  readonly status: number;
  readonly code: TollgateErrorCode | null;
  readonly reason: TollgateErrorReason;
  readonly description: string;
  readonly wwwAuthenticate: string;
  /** Every response header: `WWW-Authenticate`, `Cache-Control`, `Content-Type`, `Retry-After` on a 503. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body. */
  readonly body: unknown;
  /** The failing value and what was expected, when known. */
  readonly hint: string | null;
}

/**
 * The JSON view of a refusal, built with core's own `toErrorResponse`, so it is exactly what the
 * adapters send.
 * @param error the refusal
 * @param hint a line from `explainRefusal`
 * @example summarizeRefusal(err).wwwAuthenticate // 'Bearer realm="api", error="invalid_token", error_description="token expired"'
 * @see RFC 6750 section 3
 */
export function summarizeRefusal(error: TollgateError, hint?: string): RefusalSummary {
  const response = toErrorResponse(error);
  return {
    valid: false,
    status: response.status,
    code: error.code ?? null,
    reason: error.reason,
    description: error.description,
    wwwAuthenticate: error.wwwAuthenticate(),
    headers: { ...response.headers, 'Content-Type': response.contentType },
    body: JSON.parse(response.body) as unknown,
    hint: hint ?? null,
  };
}

/**
 * The readable view of a refusal: reason, code and hint, then the HTTP response (status line,
 * headers, JSON body) as an API using tollgate would send it.
 * @param error the refusal
 * @param hint a line from `explainRefusal`
 * @example process.stdout.write(renderRefusal(err, 'exp 2026-11-23T16:40:00Z (expired 2 h ago)'))
 * @see RFC 6750 section 3
 */
export function renderRefusal(error: TollgateError, hint?: string): string {
  const response = toErrorResponse(error);
  const lines = [
    `refused: ${safeText(error.description)}`,
    `  status     ${response.status}`,
    `  code       ${error.code ?? '(none)'}`,
    `  reason     ${error.reason}`,
  ];
  if (hint) lines.push(`  why        ${hint}`);
  lines.push('', 'An API would answer:', `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`.trimEnd());
  for (const [name, value] of Object.entries({ ...response.headers, 'Content-Type': response.contentType })) lines.push(`${name}: ${safeText(value)}`);
  lines.push('', safeText(response.body));
  return `${lines.join('\n')}\n`;
}
