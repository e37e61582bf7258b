// Markdown tables and the generated verdict of bench/signature-paths.js.
import { fmtPercent, fmtRate, fmtRatio, median, medianRatio, spread } from './signature-stats.js';

export const FLOOR = 'crypto.verify sync';
const JOSE = 'jose jwtVerify';

/** Micro table: per alg and path, ops/s per mode with the ratio to the sync path in the same mode and round. */
export function microTable(micro, modes) {
  const label = (mode) => (mode === 'seq' ? 'sequential' : `${mode} in flight`);
  const cpuModes = [modes[0], modes.at(-1)];
  const lines = [
    `| alg | path | ${modes.map(label).join(' | ')} | CPU µs/op (${cpuModes.map(label).join(' / ')}) |`,
    `|---|---|${modes.map(() => '--:').join('|')}|--:|`,
  ];
  for (const [alg, { rates, cpu }] of Object.entries(micro)) {
    for (const [name, byMode] of Object.entries(rates)) {
      const cells = modes.map((mode) => `${fmtRate(median(byMode[mode]))} (${fmtRatio(medianRatio(byMode[mode], rates[FLOOR][mode]))}, ${fmtPercent(spread(byMode[mode]))})`);
      const cpuCell = cpuModes.map((mode) => Math.round(median(cpu[name][mode]))).join(' / ');
      lines.push(`| ${alg} | ${name} | ${cells.join(' | ')} | ${cpuCell} |`);
    }
  }
  return lines.join('\n');
}

/** Summarises one alg's HTTP results: per path median req/s, ratio to the sync path, spread, latency. */
export function summariseHttp(results) {
  const floor = results[FLOOR].rates;
  return Object.entries(results).map(([name, { rates, p50, p99, cpu }]) => ({
    name,
    rate: median(rates),
    ratio: medianRatio(rates, floor),
    ratioToJose: results[JOSE] ? medianRatio(rates, results[JOSE].rates) : NaN,
    // Share of rounds in which this path beat the sync path outright.
    wins: rates.filter((rate, i) => rate > floor[i]).length / rates.length,
    spread: spread(rates),
    p50: median(p50),
    p99: median(p99),
    cpu: median(cpu),
  }));
}

export function httpTable(http, ceiling) {
  const lines = [
    '| alg | path | req/s | vs crypto.verify sync | vs jose jwtVerify | rounds beating sync | spread | p50 / p99 ms | server CPU µs/req |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  if (ceiling) lines.push(`| – | no verification (HTTP ceiling) | ${fmtRate(ceiling.rate)} | | | | ${fmtPercent(ceiling.spread)} | ${ceiling.p50} / ${ceiling.p99} | ${Math.round(ceiling.cpu)} |`);
  for (const [alg, rows] of Object.entries(http)) {
    for (const row of rows) {
      const wins = row.name === FLOOR ? '' : `${Math.round(row.wins * 100)}%`;
      lines.push(`| ${alg} | ${row.name} | ${fmtRate(row.rate)} | ${fmtRatio(row.ratio)} | ${fmtRatio(row.ratioToJose)} | ${wins} | ${fmtPercent(row.spread)} | ${row.p50} / ${row.p99} | ${Math.round(row.cpu)} |`);
    }
  }
  return lines.join('\n');
}

export function keyTable(rows) {
  const us = (n) => `${n.toFixed(1)} µs`;
  const lines = ['| alg | jose importJWK | createPublicKey({ format: jwk }) | KeyObject.from(cryptoKey) | KeyObject.from works |', '|---|--:|--:|--:|---|'];
  for (const row of rows) lines.push(`| ${row.alg} | ${us(row.importJWK)} | ${us(row.createPublicKey)} | ${us(row['KeyObject.from'])} | ${row.converts} |`);
  return lines.join('\n');
}

/**
 * The verdict: one sentence on the micro rows, then from the HTTP numbers per alg the fastest path, how far ahead of the sync path and of
 * jose it is, and whether the lead is larger than the rounds' spread (else: within noise).
 */
export function verdict(http, micro) {
  const sentences = [];
  // The micro rows in one sentence: who wins alone on the main thread, and who wins with many in flight.
  const fastest = (rates, mode) => Object.entries(rates).sort(([, a], [, b]) => median(b[mode]) - median(a[mode]))[0][0];
  const microWinners = Object.entries(micro).map(([alg, { rates }]) => `${alg} ${fastest(rates, 'seq')} / ${fastest(rates, 64)}`);
  sentences.push(`Micro (fastest sequential / fastest with 64 in flight): ${microWinners.join('; ')}.`);
  for (const [alg, rows] of Object.entries(http)) {
    const sorted = [...rows].sort((a, b) => b.rate - a.rate);
    const [first, second] = sorted;
    const jose = rows.find((row) => row.name === JOSE);
    const noise = Math.max(first.spread, second.spread) / 2;
    const lead = first.rate / second.rate - 1;
    const clear = lead > noise;
    sentences.push(
      `**${alg}**: ${first.name} serves the most (${fmtRate(first.rate)} req/s), ` +
        `${Math.round(lead * 100)}% ahead of ${second.name} (${clear ? 'more than' : 'within'} the ±${Math.round(noise * 100)}% run-to-run spread)` +
        (jose && first !== jose ? `, ${fmtRatio(first.ratioToJose)} of jose jwtVerify` : '') +
        '.',
    );
  }
  const pick = (alg) => {
    const rows = http[alg];
    const sync = rows.find((row) => row.name === FLOOR);
    const top = [...rows].sort((a, b) => b.rate - a.rate)[0];
    // Prefer the sync path unless something else beats it by more than the noise in most rounds.
    return top.name !== FLOOR && top.wins >= 0.8 && top.rate / sync.rate - 1 > top.spread / 2 ? top.name : FLOOR;
  };
  const picks = Object.keys(http).map((alg) => `${alg}: ${pick(alg)}`);
  sentences.push(`Suggested path per alg (the sync path unless another beat it in at least 80% of rounds by more than the noise): ${picks.join('; ')}.`);
  // Throughput on a spare core is not the same as doing less work: say which picks cost more CPU per request.
  const costlier = Object.keys(http).flatMap((alg) => {
    const name = pick(alg);
    const row = http[alg].find((r) => r.name === name);
    const sync = http[alg].find((r) => r.name === FLOOR);
    return name !== FLOOR && row.cpu > sync.cpu ? [`${alg} ${Math.round(row.cpu)} vs ${Math.round(sync.cpu)} µs`] : [];
  });
  if (costlier.length) {
    sentences.push(
      `Those picks spend more server CPU per request than the sync path (${costlier.join('; ')}): their lead comes from running verification on other threads (an idle core, or a bigger share of a contended one), not from doing less work.`,
    );
  }
  return sentences.join(' ');
}
