// Child process: serves every HTTP target (see http-apps.js), each on its own port, until the parent disconnects.
//   fork('serve-targets.js', [alg, JSON.stringify({ issuer, audience, jwksUri })])
// Sends { ports: { [targetName]: port } } once all listen, or { error } if one could not start.
import { HTTP_TARGETS, startTarget } from './http-apps.js';
import { leakGuard } from './leak-guard.js';

const [alg, issuerJson] = process.argv.slice(2);
const running = [];

// The parent going away (normal end, crash or kill) closes the IPC channel: stop serving then.
process.once('disconnect', async () => {
  for (const { close } of running) await close();
  leakGuard('serve-targets', 5_000);
});

try {
  const ports = {};
  for (const target of HTTP_TARGETS) {
    const started = await startTarget(target, JSON.parse(issuerJson), alg);
    running.push(started);
    ports[target.name] = started.port;
  }
  if (process.connected) process.send({ ports });
} catch (error) {
  if (process.connected) {
    process.send({ error: String(error?.message ?? error) });
    process.disconnect();
  }
}
