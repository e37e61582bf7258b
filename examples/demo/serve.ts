// The demo's serve modes: the APIs stay up (with the local issuer, or for a real one) until Ctrl-C or SIGTERM.
import { readFileSync } from 'node:fs';
import type { VerifierOptions } from '@tollgate/core';
import { startApi, type RunningApi } from '../lib/start-api.js';
import { FRAMEWORKS, startEnvironment } from './environment.js';

// Reads access_token from a token response on stdin: node is the one JSON tool every reader has here.
const EXTRACT = `node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token'`;

/** Serves the local issuer and the APIs, printing curl commands; resolves once stopped by a signal. */
export async function serveLocal(): Promise<void> {
  const env = await startEnvironment();
  const { admin, reader } = env.clients;
  const [first, second, third] = env.apis;
  console.log('tollgate demo, serving until Ctrl-C');
  console.log(`${label('issuer')}${env.issuer.issuer}   token endpoint ${env.issuer.tokenEndpoint}`);
  console.log(`${label('audience')}${env.issuer.audience}`);
  printApis(env.apis);
  for (const demo of Object.values(env.clients)) console.log(`${label('client')}${demo.clientId} (${demo.authMethod}): ${demo.scopes.join(' ')}`);
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

/** Serves the APIs for a real issuer; resolves once stopped by a signal. */
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

/** A line's label, padded past the longest ("nest-fastify API"), so the values line up. */
function label(text: string): string {
  return `  ${text.padEnd(17)}`;
}

function printApis(apis: readonly RunningApi[]): void {
  for (const api of apis) console.log(`${label(`${api.name} API`)}${api.url}/orders   (GET: orders:read, POST: orders:write)`);
}

/** A process as /proc tells it: its parent, its state, and its start time (which tells a reused pid apart). */
function readStat(pid: number): { parent: number; state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, which is in parentheses and may hold spaces: state, ppid, ... starttime (22nd).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, parent: Number(fields[1]), start: fields[19]! };
  } catch {
    return undefined;
  }
}

interface Ancestor {
  readonly pid: number;
  readonly start: string | undefined;
}

/**
 * The processes this one runs under (`npx` → `pnpm` → `sh` → node), read from /proc where there is one
 * (elsewhere only the parent), four levels at most, stopping above pid 1. Read when this module loads,
 * before the servers start, so an ancestor killed during start-up is still noticed.
 */
function ancestors(): Ancestor[] {
  const found: Ancestor[] = [];
  for (let pid = process.ppid; pid > 1 && found.length < 4; ) {
    const stat = readStat(pid);
    found.push({ pid, start: stat?.start });
    if (!stat) break;
    pid = stat.parent;
  }
  return found;
}
const PARENT = process.ppid;
const ANCESTORS = ancestors();

/** Gone: no such process, a zombie (killed, not yet reaped), or another process under a reused pid. */
function gone({ pid, start }: Ancestor): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return true;
  }
  if (start === undefined) return false;
  const stat = readStat(pid);
  return stat === undefined || stat.state === 'Z' || stat.start !== start;
}

/**
 * Resolves on SIGINT or SIGTERM, or when a process this one runs under is gone (or this one was
 * re-parented): `npx -y pnpm demo` runs node under pnpm and a shell, and a SIGTERM to one of those
 * would otherwise leave the servers holding their ports. A demo started with `nohup ... &` therefore
 * stops with the shell that started it.
 */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const orphaned = setInterval(() => {
      // Parent 1 from the start: what started the demo was already gone when it loaded (killed during start-up).
      if (process.ppid !== PARENT || PARENT === 1 || ANCESTORS.some(gone)) stop();
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
