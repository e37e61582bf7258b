// The demo's serve modes: the APIs stay up (with the local issuer, or for a real one) until Ctrl-C or SIGTERM.
import { readFileSync } from 'node:fs';
import type { VerifierOptions } from '@tollgate/core';
import { startApi, type RunningApi } from '../lib/start-api.js';
import { FRAMEWORKS, startEnvironment } from './environment.js';

// Reads access_token from a token response on stdin: node is the one JSON tool every reader has here.
const EXTRACT = `node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token'`;

/** Serves the local issuer and the three APIs, printing curl commands; resolves once stopped by a signal. */
export async function serveLocal(): Promise<void> {
  const env = await startEnvironment();
  const { admin, reader } = env.clients;
  const [first, second, third] = env.apis;
  console.log('tollgate demo, serving until Ctrl-C');
  console.log(`  issuer          ${env.issuer.issuer}   token endpoint ${env.issuer.tokenEndpoint}`);
  console.log(`  audience        ${env.issuer.audience}`);
  printApis(env.apis);
  for (const demo of Object.values(env.clients)) console.log(`  client          ${demo.clientId} (${demo.authMethod}): ${demo.scopes.join(' ')}`);
  console.log('\nA token for orders-admin (client_secret_basic), then a read and a write:');
  console.log(`  TOKEN=$(curl -s -u '${admin.clientId}:${admin.secret}' -d grant_type=client_credentials ${env.issuer.tokenEndpoint} | ${EXTRACT})`);
  console.log(`  curl -i -H "Authorization: Bearer $TOKEN" ${first!.url}/orders`);
  console.log(`  curl -i -X POST -H "Authorization: Bearer $TOKEN" ${second!.url}/orders`);
  console.log('\nThe same token, checked as an API would (the CLI; prints the exact response on refusal):');
  console.log(
    `  npx -y pnpm@10.34.8 exec tollgate verify "$TOKEN" --issuer ${env.issuer.issuer} --audience ${env.issuer.audience} --scope orders:read --allow-insecure-requests`,
  );
  console.log('\nA token for orders-reader (client_secret_post): the write is refused with 403 insufficient_scope:');
  console.log(
    `  TOKEN=$(curl -s -d grant_type=client_credentials -d client_id=${reader.clientId} -d 'client_secret=${reader.secret}' ${env.issuer.tokenEndpoint} | ${EXTRACT})`,
  );
  console.log(`  curl -i -X POST -H "Authorization: Bearer $TOKEN" ${third!.url}/orders`);
  await untilSignal();
  await env.close();
  console.log('stopped');
}

/** Serves the three APIs for a real issuer; resolves once stopped by a signal. */
export async function serveExternal(issuer: string, audience: string): Promise<void> {
  const url = new URL(issuer);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  // http only for an issuer on this machine (a local Keycloak, say); tollgate refuses it anywhere else.
  const options: VerifierOptions = { issuer, audience, ...(url.protocol === 'http:' && loopback ? { allowInsecureRequests: true } : {}) };
  const apis: RunningApi[] = [];
  try {
    for (const name of FRAMEWORKS) apis.push(await startApi(name, options));
  } catch (error) {
    await Promise.all(apis.map((api) => api.close()));
    throw error;
  }
  console.log(`tollgate demo for ${issuer} (audience ${audience}), serving until Ctrl-C`);
  printApis(apis);
  console.log('\nGet an access token from your authorization server (client credentials, scope orders:read and/or orders:write), then:');
  console.log('  export TOKEN=<the access token>');
  for (const api of apis) console.log(`  curl -i -H "Authorization: Bearer $TOKEN" ${api.url}/orders`);
  console.log(`  curl -i -X POST -H "Authorization: Bearer $TOKEN" ${apis[0]!.url}/orders`);
  await untilSignal();
  await Promise.all(apis.map((api) => api.close()));
  console.log('stopped');
}

function printApis(apis: readonly RunningApi[]): void {
  for (const api of apis) console.log(`  ${`${api.name} API`.padEnd(15)} ${api.url}/orders   (GET: orders:read, POST: orders:write)`);
}

/**
 * The processes this one runs under (`npx` → `pnpm` → `sh` → node), read from /proc where there is one;
 * elsewhere only the parent. Stops below pid 1 and after four levels.
 */
function ancestors(): number[] {
  const found = [process.ppid];
  for (let pid = process.ppid; found.length < 4; ) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      break;
    }
    // The fields after the command name, which is in parentheses and may hold spaces.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isInteger(parent) || parent <= 1) break;
    found.push(parent);
    pid = parent;
  }
  return found;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Resolves on SIGINT or SIGTERM, or when a process this one runs under is gone: `npx -y pnpm demo` runs
 * node under pnpm and a shell, and a SIGTERM to one of those would otherwise leave the servers holding
 * their ports.
 */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const watched = ancestors();
    const orphaned = setInterval(() => {
      if (!watched.every(alive)) stop();
    }, 500);
    orphaned.unref();
    const stop = () => {
      clearInterval(orphaned);
      process.off('SIGINT', stop).off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop).on('SIGTERM', stop);
  });
}
