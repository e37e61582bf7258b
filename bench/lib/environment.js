// The machine and the library versions a report was made with.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';

const require = createRequire(import.meta.url);

// Package names as installed (aliases included); the version comes from each package's own package.json.
const PACKAGES = [
  '@tollgate/core',
  'jose',
  'aws-jwt-verify',
  'express-oauth2-jwt-bearer',
  'express-jwt',
  'jwks-rsa',
  'fast-jwt',
  'get-jwks',
  'koa-jwt',
  '@fastify/jwt',
  'express',
  'koa',
  '@koa/router',
  'fastify',
  'hono',
  '@hono/node-server',
  '@nestjs/core',
  '@nestjs/platform-express',
  '@nestjs/platform-fastify',
  'autocannon',
];

function versionOf(name) {
  // Resolve the entry point, then walk up to the package.json with this name (some packages do not export it).
  try {
    let dir = require.resolve(name);
    for (let i = 0; i < 8; i++) {
      dir = dir.slice(0, dir.lastIndexOf('/'));
      try {
        const manifest = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
        if (manifest.name === name) return manifest.version;
      } catch {
        // no package.json at this level
      }
    }
  } catch {
    // not resolvable from here
  }
  return 'unknown';
}

/** `{ machine, versions }`: CPU model, logical cores, memory, OS and Node; `name@version` of each library. */
export function describeEnvironment() {
  const cpus = os.cpus();
  const machine =
    `${cpus[0]?.model?.trim() ?? 'unknown CPU'}, ${cpus.length} logical cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ` +
    `${os.type()} ${os.release()}, Node ${process.version}`;
  return { machine, versions: PACKAGES.map((name) => `${name}@${versionOf(name)}`).join(', ') };
}
