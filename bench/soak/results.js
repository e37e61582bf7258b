// The soak's tallies: requests by token kind × status and by adapter × status, violations with a few
// examples, allowances.
import { runStart, secs } from './clock.js';
import { ADAPTERS, MAX_EXAMPLES } from './options.js';

export const STATUS_COLUMNS = ['200', '400', '401', '403', '503', 'other', 'timeout', 'conn error'];
const KINDS = [
  'valid (reused)',
  'new token (burst)',
  'rotated key',
  'lacking scope',
  'expired',
  'wrong audience',
  'wrong issuer',
  'tampered',
  'bad signature',
  'foreign key (known kid)',
  'alg none',
  'HS256 key confusion',
  'garbage',
  'malformed header',
  'oversized',
  'missing',
  'unknown kid (flood)',
  'retired key',
];
/** kind → status column → count, over every adapter (after warm-up). */
export const table = new Map(KINDS.map((kind) => [kind, new Map()]));
/**
 * adapter → its tallies: status column → count and 5xx other than 503 (after warm-up); 503s allowed
 * during JWKS faults (after warm-up); violations, i.e. wrong decisions (the whole process, warm-up included).
 */
export const byAdapter = new Map(ADAPTERS.map((name) => [name, { statuses: new Map(), serverErrors: 0, allowed503: 0, violations: 0 }]));
export const violations = { total: 0, byRule: new Map(), examples: [] };
export const notes = { floodRefusals: 0, allowed503: 0, retiredStillValid: 0, retiredRefused: 0, strict: 0, strictRotated: 0 };
/** Requests sent after warm-up (a live binding). */
export let measuredRequests = 0;
export function countMeasuredRequest() {
  measuredRequests += 1;
}

/** Forgets the warm-up's requests (not its violations: they still fail the run). */
export function resetCounts() {
  for (const row of table.values()) row.clear();
  for (const tally of byAdapter.values()) {
    tally.statuses.clear();
    tally.serverErrors = 0;
    tally.allowed503 = 0;
  }
  notes.allowed503 = 0;
}

/** Counts one response of `job` under a status column. */
export function count(job, column) {
  const row = table.get(job.kind);
  row.set(column, (row.get(column) ?? 0) + 1);
  const { statuses } = byAdapter.get(job.target.name);
  statuses.set(column, (statuses.get(column) ?? 0) + 1);
}

/** Sum of one adapter's status columns: its requests. */
export const requestsOf = (tally) => [...tally.statuses.values()].reduce((a, b) => a + b, 0);

/** Records a broken invariant: counted per rule and adapter, the first MAX_EXAMPLES kept (with the token redacted). */
export function violation(rule, job, result, detail) {
  violations.total += 1;
  violations.byRule.set(rule, (violations.byRule.get(rule) ?? 0) + 1);
  if (job.target) byAdapter.get(job.target.name).violations += 1;
  if (violations.examples.length < MAX_EXAMPLES) {
    const redact = (text) => (job.token && text ? text.split(job.token).join('<token>') : text);
    violations.examples.push({
      at: `${secs(job.sentAt - runStart)} s`,
      adapter: job.target?.name ?? '(run)',
      rule,
      kind: job.kind,
      status: result.status ?? result.error?.code ?? 'none',
      detail: redact(detail ?? ''),
      challenge: redact(result.headers?.['www-authenticate'] ?? ''),
      body: redact((result.body ?? '').slice(0, 200)),
    });
  }
}
