// The soak's tallies: requests by token kind × status, violations with a few examples, allowances.
import { runStart, secs } from './clock.js';
import { MAX_EXAMPLES } from './options.js';

export const STATUS_COLUMNS = ['200', '400', '401', '403', '503', 'other', 'timeout', 'conn error'];
const KINDS = [
  'valid (reused)',
  'new token (burst)',
  'rotated key',
  'lacking scope',
  'expired',
  'wrong audience',
  'tampered',
  'alg none',
  'HS256 key confusion',
  'garbage',
  'malformed header',
  'oversized',
  'missing',
  'unknown kid (flood)',
  'retired key',
];
export const table = new Map(KINDS.map((kind) => [kind, new Map()]));
export const violations = { total: 0, byRule: new Map(), examples: [] };
export const notes = { floodRefusals: 0, allowed503: 0, retiredStillValid: 0, retiredRefused: 0, strict: 0, strictRotated: 0 };
/** Requests sent after warm-up (a live binding). */
export let measuredRequests = 0;
export function countMeasuredRequest() {
  measuredRequests += 1;
}

export function count(kind, column) {
  const row = table.get(kind);
  row.set(column, (row.get(column) ?? 0) + 1);
}

/** Records a broken invariant: counted per rule, the first MAX_EXAMPLES kept (with the token redacted). */
export function violation(rule, job, result, detail) {
  violations.total += 1;
  violations.byRule.set(rule, (violations.byRule.get(rule) ?? 0) + 1);
  if (violations.examples.length < MAX_EXAMPLES) {
    const redact = (text) => (job.token && text ? text.split(job.token).join('<token>') : text);
    violations.examples.push({
      at: `${secs(job.sentAt - runStart)} s`,
      rule,
      kind: job.kind,
      status: result.status ?? result.error?.code ?? 'none',
      detail: redact(detail ?? ''),
      challenge: redact(result.headers?.['www-authenticate'] ?? ''),
      body: redact((result.body ?? '').slice(0, 200)),
    });
  }
}
