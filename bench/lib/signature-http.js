// The HTTP half of bench/signature-paths.js: one bare server per path, loaded by autocannon in a child process.
import { startVerifyServer } from './signature-server.js';

/** Throws unless the server answers 200 to `valid` and 401 to `forged` (checked before any timing). */
async function probe(name, url, valid, forged) {
  const status = async (token) => (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status;
  const [good, bad] = [await status(valid), await status(forged)];
  if (good !== 200 || bad !== 401) throw new Error(`${name}: server answered ${good} to a valid token and ${bad} to a forged one`);
}

/**
 * One autocannon run; every request must have been answered 200. Returns req/s, latency, and the CPU
 * time this process (main thread and thread pool together) spent per request: the load generator runs
 * in another process, so this is the server's own cost.
 */
async function load(loader, name, url, connections, duration) {
  const cpuBefore = process.cpuUsage();
  const result = await loader.run({ url, connections, duration });
  const cpu = process.cpuUsage(cpuBefore);
  if (result.non2xx || result.errors || result.timeouts) {
    throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts of ${result.ok + result.non2xx}`);
  }
  return { rate: result.ok / result.seconds, p50: result.p50, p99: result.p99, cpu: (cpu.user + cpu.system) / result.ok };
}

/**
 * One alg's HTTP rounds. `targets` are `{ name, verify }` (verify `null` = no check, the ceiling).
 * Starts one server per target, probes it, warms each up, then runs every target once per round (order
 * reversed every other round). Returns `{ [name]: { rates, p50, p99, cpu } }`, one value per round each
 * (cpu in µs per request); the servers are closed whatever happens.
 */
export async function httpRounds({ loader, targets, tokens, forged, connections, duration, warmup, rounds, onRound }) {
  const servers = [];
  try {
    for (const target of targets) servers.push({ ...target, server: await startVerifyServer(target.verify) });
    for (const { name, server, verify } of servers) if (verify !== null) await probe(name, server.url, tokens[0], forged);
    await loader.setTokens(tokens);
    for (const { name, server } of servers) await load(loader, name, server.url, connections, warmup);
    const out = Object.fromEntries(targets.map(({ name }) => [name, { rates: [], p50: [], p99: [], cpu: [] }]));
    for (let round = 0; round < rounds; round++) {
      onRound?.(round);
      for (const { name, server } of round % 2 === 0 ? servers : [...servers].reverse()) {
        const run = await load(loader, name, server.url, connections, duration);
        out[name].rates.push(run.rate);
        out[name].p50.push(run.p50);
        out[name].p99.push(run.p99);
        out[name].cpu.push(run.cpu);
      }
    }
    return out;
  } finally {
    await Promise.all(servers.map(({ server }) => server.close()));
  }
}
