// A CPU profile of one framework's HTTP app under load, with and without tollgate, and the ratio of the two.
//
//   node bench/profile-http.js <framework> [--seconds 8] [--connections 32] [--rounds 0] [--round-seconds 4] [--no-profile]
//
// <framework>: express | koa | fastify | hono | nest-express | nest-fastify (the apps of bench/lib/http-apps.js,
// the same the full benchmark times). Build first (`npx tsc -b && node scripts/build-cjs.js`): the apps import
// the built packages.
//
// What it does, bounded in time and on 127.0.0.1 only:
// 1. starts a local test issuer, mints one RS256 token, and forks two servers (the bare app and the app with
//    tollgate), each in its own process;
// 2. unless --no-profile: for each server in turn, a warm-up, then a CPU profile (node:inspector, taken only
//    while the load runs, so start-up is not in it) of --seconds of autocannon load with the one token reused;
//    written to bench/profiles/<framework>-<tollgate|bare>.cpuprofile (open it in Chrome DevTools or
//    speedscope), with bench/profiles/<framework>.txt: CPU µs per request of each, and the top self-time
//    functions of each in µs per request, so the two can be read side by side;
// 3. with --rounds N: N interleaved rounds (bare, tollgate, bare, tollgate... alternating which goes first)
//    of --round-seconds each, without the profiler, and prints each round's tollgate ÷ bare and the median.
//    The machine may be shared: read the ratios, not the absolute numbers.
import { fork } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FRAMEWORKS = {
  express: 'Express 5',
  koa: 'Koa 3',
  fastify: 'Fastify 5',
  hono: 'Hono 4',
  'nest-express': 'Nest 12 (Express)',
  'nest-fastify': 'Nest 12 (Fastify)',
};

if (process.argv[2] === '--serve') await serve(process.argv[3], JSON.parse(process.argv[4]));
else await main();

/** Child: serves one target and profiles itself on request ({ start } / { stop: file }) until disconnected. */
async function serve(targetName, issuerInfo) {
  const { HTTP_TARGETS, startTarget } = await import('./lib/http-apps.js');
  const target = HTTP_TARGETS.find((t) => t.name === targetName);
  const server = await startTarget(target, issuerInfo, 'RS256');
  const session = new Session();
  session.connect();
  process.on('message', async (message) => {
    if (message.start) {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
      await session.post('Profiler.start');
      process.send({ started: true });
    } else if (message.stop) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(message.stop, JSON.stringify(profile));
      process.send({ stopped: true });
    }
  });
  process.once('disconnect', async () => {
    await server.close();
    process.exit(0);
  });
  process.send({ port: server.port });
}

/** Waits for the next IPC message from `child` that has `key`. */
function reply(child, key) {
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message[key] === undefined) return;
      child.off('message', onMessage);
      resolve(message[key]);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
  });
}

/** Self time by function, in µs per request, and the process's CPU µs per request (idle excluded). */
function summarize(profile, requests) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    const { callFrame } = byId.get(profile.samples[i]);
    const micros = profile.timeDeltas[i] ?? 0;
    if (callFrame.functionName === '(idle)') continue;
    busy += micros;
    const file = callFrame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, '').replace(/^.*\/packages\//, 'packages/');
    const key = `${callFrame.functionName || '(anonymous)'} ${file}${file ? `:${callFrame.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + micros);
  }
  const perRequest = new Map([...self].map(([name, micros]) => [name, micros / requests]));
  const top = [...perRequest].sort((a, b) => b[1] - a[1]).slice(0, 30);
  return { perRequest: busy / requests, byName: perRequest, top: top.map(([name, micros]) => ({ name, perRequest: micros })) };
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      seconds: { type: 'string', default: '8' },
      connections: { type: 'string', default: '32' },
      rounds: { type: 'string', default: '0' },
      'round-seconds': { type: 'string', default: '4' },
      'no-profile': { type: 'boolean', default: false },
    },
  });
  const key = positionals[0];
  const framework = FRAMEWORKS[key];
  if (!framework) {
    console.error(`usage: node bench/profile-http.js <${Object.keys(FRAMEWORKS).join(' | ')}> [--seconds 8] [--connections 32] [--rounds 0] [--round-seconds 4] [--no-profile]`);
    process.exit(2);
  }
  const seconds = Math.min(Number(values.seconds), 60);
  const roundSeconds = Math.min(Number(values['round-seconds']), 30);
  const rounds = Math.min(Number(values.rounds), 20);
  const connections = Number(values.connections);

  const [{ createTestIssuer }, { HTTP_TARGETS }, { loadTest }] = await Promise.all([
    import('@tollgate/testing'),
    import('./lib/http-apps.js'),
    import('./lib/load.js'),
  ]);
  const issuer = await createTestIssuer({ algorithms: ['RS256'] });
  const issuerInfo = { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri };
  const token = await issuer.sign({ scope: 'orders:read' }, { alg: 'RS256', expiresIn: 3600 });
  const variants = ['bare', 'tollgate'].map((variant) => ({
    variant,
    target: HTTP_TARGETS.find((t) => t.framework === framework && Boolean(t.bare) === (variant === 'bare')),
  }));
  const children = [];
  try {
    for (const entry of variants) {
      const child = fork(fileURLToPath(import.meta.url), ['--serve', entry.target.name, JSON.stringify(issuerInfo)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      entry.child = child;
      entry.port = await reply(child, 'port');
      const check = await fetch(`http://127.0.0.1:${entry.port}/orders`, { headers: { authorization: `Bearer ${token}` } });
      if (check.status !== 200) throw new Error(`${entry.target.name}: ${check.status} ${await check.text()}`);
      await loadTest(entry.port, [token], { amount: 2000, connections }); // warm-up: JIT, JWKS, token cache
    }
    if (!values['no-profile']) {
      const dir = path.join(HERE, 'profiles');
      await mkdir(dir, { recursive: true });
      const lines = [`${framework}: one reused RS256 token, ${connections} connections, ${seconds} s profiled per app (node bench/profile-http.js ${key})`];
      const summaries = {};
      for (const entry of variants) {
        const file = path.join(dir, `${key}-${entry.variant}.cpuprofile`);
        entry.child.send({ start: true });
        await reply(entry.child, 'started');
        const rate = await loadTest(entry.port, [token], { seconds, connections });
        entry.child.send({ stop: file });
        await reply(entry.child, 'stopped');
        summaries[entry.variant] = summarize(JSON.parse(await readFile(file, 'utf8')), rate * seconds);
        summaries[entry.variant].rate = rate;
      }
      const { bare, tollgate } = summaries;
      lines.push(
        `CPU per request (profiled, idle excluded): bare ${bare.perRequest.toFixed(1)} µs, tollgate ${tollgate.perRequest.toFixed(1)} µs, difference ${(tollgate.perRequest - bare.perRequest).toFixed(1)} µs`,
        `requests/s while profiled (shared machine, for the ratio only): tollgate ÷ bare ${(tollgate.rate / bare.rate).toFixed(2)}`,
      );
      // Where the extra time goes: every function's self time with tollgate minus without (tollgate's
      // own functions, and what the framework or Node spend more because of it: promises, parsing, GC).
      const names = new Set([...tollgate.byName.keys(), ...bare.byName.keys()]);
      const delta = [...names].map((name) => [name, (tollgate.byName.get(name) ?? 0) - (bare.byName.get(name) ?? 0)]).sort((a, b) => b[1] - a[1]);
      const own = [...tollgate.byName].filter(([name]) => name.includes('packages/')).reduce((sum, [, micros]) => sum + micros, 0);
      lines.push(`tollgate's own functions (packages/*), self time: ${own.toFixed(1)} µs per request`, '', 'largest increases over bare (µs per request, tollgate − bare; noise is about ±1):');
      for (const [name, micros] of delta.slice(0, 20)) lines.push(`${micros.toFixed(2).padStart(7)}  ${name}`);
      for (const variant of ['tollgate', 'bare']) {
        lines.push('', `top self time, ${variant} (µs per request):`);
        for (const { name, perRequest } of summaries[variant].top) lines.push(`${perRequest.toFixed(2).padStart(7)}  ${name}`);
      }
      const text = `${lines.join('\n')}\n`;
      await writeFile(path.join(dir, `${key}.txt`), text);
      process.stdout.write(text);
    }
    if (rounds > 0) {
      const ratios = [];
      for (let round = 0; round < rounds; round += 1) {
        const order = round % 2 === 0 ? variants : [...variants].reverse();
        const rate = {};
        for (const entry of order) rate[entry.variant] = await loadTest(entry.port, [token], { seconds: roundSeconds, connections });
        ratios.push(rate.tollgate / rate.bare);
        console.log(`round ${round + 1}: tollgate ÷ bare ${(rate.tollgate / rate.bare).toFixed(3)}`);
      }
      const sorted = [...ratios].sort((a, b) => a - b);
      const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
      console.log(`${framework}: median tollgate ÷ bare ${median.toFixed(3)} over ${rounds} interleaved rounds (min ${sorted[0].toFixed(3)}, max ${sorted.at(-1).toFixed(3)})`);
    }
  } finally {
    for (const child of children) if (child.connected) child.disconnect();
    await issuer.close();
  }
}
