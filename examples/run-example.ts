// Runs one example against a local test issuer: `pnpm example <name>` prints a few checked requests and exits.
import { EventEmitter } from 'node:events';
import { createTestIssuer, tamperSignature, type TestIssuer } from '@tollgate/testing';
import { consumeJobs, type Job, type JobOutcome } from './job-consumer.js';
import { call } from './lib/http.js';
import { APIS, startApi, type ApiName } from './lib/start-api.js';
import { Transcript } from './lib/transcript.js';

const EXAMPLES = [...(Object.keys(APIS) as ApiName[]), 'job-consumer'] as const;
type ExampleName = (typeof EXAMPLES)[number];
const EX_USAGE = 64;

const optionsFor = (issuer: TestIssuer) => ({ issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true });

/** An HTTP example: reads and writes with and without the scopes they need. */
async function runApi(name: ApiName, issuer: TestIssuer, t: Transcript): Promise<void> {
  const api = await startApi(name, optionsFor(issuer));
  try {
    t.section(`${name} (${APIS[name].file}) at ${api.url}, tokens from the test issuer ${issuer.issuer}`);
    const reader = await issuer.sign({ scope: 'orders:read' });
    const writer = await issuer.sign({ scope: 'orders:read orders:write' });
    const steps: Array<[method: 'GET' | 'POST', label: string, token: string | undefined, status: number]> = [
      ['GET', 'scope orders:read', reader, 200],
      ['POST', 'scope orders:read', reader, 403],
      ['POST', 'scope orders:read orders:write', writer, 201],
      ['GET', 'no token', undefined, 401],
    ];
    for (const [method, label, token, status] of steps) {
      const answer = await call(method, `${api.url}/orders`, token);
      t.check(answer.status === status, `${method.padEnd(4)} /orders  ${label.padEnd(31)} → ${answer.status} ${JSON.stringify(answer.body)}`, String(status));
    }
  } finally {
    await api.close();
  }
}

/** Feeds `jobs` to a consumer with `options` and collects one outcome per job (10 s at most). */
async function consume(options: ReturnType<typeof optionsFor>, jobs: readonly Job[]): Promise<Map<string, JobOutcome>> {
  const queue = new EventEmitter();
  const outcomes = new Map<string, JobOutcome>();
  const stop = consumeJobs(queue, options);
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error('the consumer did not answer every job within 10 s')), 10_000);
      queue.on('error', reject);
      queue.on('outcome', (outcome: JobOutcome) => {
        outcomes.set(outcome.id, outcome);
        if (outcomes.size === jobs.length) resolve();
      });
      for (const job of jobs) queue.emit('job', job);
    });
  } finally {
    clearTimeout(timer);
    stop();
  }
  return outcomes;
}

/** The job consumer: messages whose tokens are good, short of scope, expired, forged, or unverifiable. */
async function runJobConsumer(issuer: TestIssuer, t: Transcript): Promise<void> {
  t.section(`job-consumer (examples/job-consumer.ts), tokens from the test issuer ${issuer.issuer}`);
  const read = { scope: 'orders:read' };
  const expected: Array<[Job, string]> = [
    [{ id: 'job-1', kind: 'orders.list', token: await issuer.sign(read) }, 'ack'],
    [{ id: 'job-2', kind: 'orders.create', token: await issuer.sign(read) }, 'reject (insufficient_scope)'],
    [{ id: 'job-3', kind: 'orders.list', token: await issuer.sign(read, { expiresIn: -60 }) }, 'reject (expired)'],
    [{ id: 'job-4', kind: 'orders.list', token: tamperSignature(await issuer.sign(read)) }, 'reject (signature)'],
  ];
  const outcomes = await consume(optionsFor(issuer), expected.map(([job]) => job));
  // A second issuer whose JWKS endpoint is down: its job cannot be checked yet, so it is put back.
  const unreachable = await createTestIssuer({ algorithms: ['ES256'] });
  try {
    unreachable.setFault({ kind: 'down' }, 'jwks');
    const job: Job = { id: 'job-5', kind: 'orders.list', token: await unreachable.sign(read) };
    for (const [id, outcome] of await consume(optionsFor(unreachable), [job])) outcomes.set(id, outcome);
    expected.push([job, 'retry']);
  } finally {
    await unreachable.close();
  }
  for (const [job, want] of expected) {
    const outcome = outcomes.get(job.id);
    const shown = outcome?.result === 'reject' ? `reject (${outcome.reason})` : (outcome?.result ?? 'no outcome');
    const detail = outcome?.result === 'retry' ? ` in ${outcome.retryAfterSeconds} s` : outcome?.result === 'ack' ? ` (client ${outcome.clientId})` : '';
    t.check(shown === want, `${job.id} ${job.kind.padEnd(13)} → ${shown}${detail}`, want);
  }
}

const name = process.argv[2];
if (process.argv.length !== 3 || !EXAMPLES.includes(name as ExampleName)) {
  console.error(`usage: pnpm example <name>\n\nnames: ${EXAMPLES.join(', ')}`);
  process.exitCode = EX_USAGE;
} else {
  const watchdog = setTimeout(() => {
    console.error('example: gave up after 30 s');
    process.exit(1);
  }, 30_000).unref();
  const issuer = await createTestIssuer();
  const t = new Transcript();
  try {
    if (name === 'job-consumer') await runJobConsumer(issuer, t);
    else await runApi(name as ApiName, issuer, t);
  } finally {
    await issuer.close();
  }
  process.exitCode = t.finish();
  clearTimeout(watchdog);
}
