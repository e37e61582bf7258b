// The whole report in Markdown: machine and versions, one table per scenario, cold start, memory, targets.
import { CONFIG, QUICK } from './bench-options.js';
import { describeEnvironment } from './environment.js';
import { fmtMiB, markdownTable, scenarioTable } from './results-table.js';

const FLOOR = 'node:crypto.verify (floor)';
const rounds = (n) => `${n} round${n === 1 ? '' : 's'}`;
const HTTP_SETUP =
  'Express rows use the setups listed under "Rows" below (tollgate: `@tollgate/express` `requireAuth(options)`; jose and fast-jwt: ' +
  'a small hand-written middleware); Koa 3: `@tollgate/koa` `requireAuth` before an `@koa/router` route; Fastify 5: the `@tollgate/fastify` ' +
  'plugin, global; Koa 3 + koa-jwt: `koaJwt({ secret: jwksRsa.koaJwtSecret({ jwksUri, cache: true, rateLimit: true }), audience, issuer, ' +
  "algorithms: ['RS256'] })` app-wide; Fastify 5 + @fastify/jwt: registered with `secret` a function returning get-jwks " +
  "`getPublicKey({ kid, alg, domain: iss })` for the token's header and issuer, `verify: { allowedIss, allowedAud }`, and an `onRequest` hook " +
  'awaiting `request.jwtVerify()`; Hono 4: `@tollgate/hono` `requireAuth` app-wide before the route, served by `@hono/node-server`; ' +
  'Nest 12 on `@nestjs/platform-express` and on `@nestjs/platform-fastify`: `TollgateModule.forRoot` with `TollgateGuard` as ' +
  '`APP_GUARD`, the token taken by `@Auth()`. "no auth" rows are the same app with no token check: the ceiling of that framework. Every response is checked to be a 200.';

function functionTables(functions) {
  const columns = [
    { header: '× tollgate', reference: 'tollgate' },
    { header: '× tollgate (cache: false)', reference: 'tollgate (cache: false)' },
    { header: '× floor', reference: FLOOR },
  ];
  return functions.flatMap(({ rows, results }) => results.map((result) => scenarioTable(result, { rows, columns, unit: 'verifications/s' })));
}

function httpTables(http, targets) {
  const rows = targets.map((target) => ({ name: target.name }));
  const columns = [
    { header: '× same framework, no auth', reference: (row) => `${targets.find((target) => target.name === row.name).framework}, no auth` },
    { header: '× Express 5 + tollgate', reference: 'Express 5 + tollgate' },
  ];
  return http.map((result) => scenarioTable(result, { rows, columns, unit: 'requests/s' }));
}

function coldStartTable(rows) {
  return markdownTable(
    ['', 'JWKS fetches', 'accepted', 'time to settle all'],
    rows.map((row) => [row.name, String(row.fetches), `${row.accepted} / ${row.count}`, `${Math.round(row.ms)} ms`]),
  );
}

function memoryTable(memory) {
  const base = memory.checkpoints[0];
  return markdownTable(
    ['after', 'tokens', 'heap used', 'Δ heap vs baseline', 'RSS', 'verifications/s'],
    memory.checkpoints.map((point) => [
      point.phase,
      point.tokens.toLocaleString('en-US'),
      fmtMiB(point.heapUsed),
      fmtMiB(point.heapUsed - base.heapUsed),
      fmtMiB(point.rss),
      point.perSecond ? Math.round(point.perSecond).toLocaleString('en-US') : '',
    ]),
  );
}

/** Renders the report; `notes` lists each library row's setup (name → text). */
export function renderReport({ functions, http, targets, coldStart, memory, targetsCheck, notes, cacheEntries }) {
  const { machine, versions } = describeEnvironment();
  const perEntry = memory.perEntry;
  return [
    `Machine: ${machine}. ${new Date().toISOString()}, ${QUICK ? 'quick' : 'full'} mode.`,
    '',
    `Versions: ${versions}.`,
    '',
    '## Targets',
    '',
    targetsCheck,
    '',
    `## Verification, function level (${rounds(CONFIG.rounds)}, median)`,
    '',
    '"× X" = this row\'s rate ÷ row X\'s rate, the median of the per-round ratios; "spread" = half of (max − min) / median over the rounds.',
    '',
    functionTables(functions).join('\n\n'),
    '',
    `## HTTP, RS256 (autocannon in the bench process, the servers in a child process; ${rounds(CONFIG.http.rounds)}, median)`,
    '',
    HTTP_SETUP,
    '',
    httpTables(http, targets).join('\n\n'),
    '',
    '## Cold start: concurrent requests carrying a new kid (RS256), JWKS response held 200 ms',
    '',
    `Function level, ${CONFIG.coldStart.calls} concurrent calls (a fresh instance per library, warmed with the previous key set just before the rotation):`,
    '',
    coldStartTable(coldStart.functions),
    '',
    `Through HTTP, ${CONFIG.coldStart.requests} concurrent requests, one connection each (the running servers, which hold the key set from the scenarios above):`,
    '',
    coldStartTable(coldStart.http),
    '',
    '## Memory (tollgate, its own process, after forced GC)',
    '',
    memoryTable(memory),
    '',
    `Cache: tollgate's default \`cache.maxEntries\` is ${cacheEntries}. Estimated heap per cached verified token: ${Math.round(perEntry.bytes).toLocaleString('en-US')} bytes ` +
      `(a verifier with \`maxEntries: ${perEntry.entries.toLocaleString('en-US')}\` filled with that many tokens, heap after − before), so a full default cache holds about ${fmtMiB(perEntry.bytes * cacheEntries)}.`,
    '',
    '## Rows',
    '',
    ...notes.map(([name, text]) => `- **${name}**: ${text}`),
    '',
  ].join('\n');
}
