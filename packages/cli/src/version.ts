// The package version, read from the package.json next to src/ and dist/.
import { readFileSync } from 'node:fs';

/**
 * The version of @tollgate/cli, as in its package.json.
 * @example cliVersion() // '0.1.0'
 */
export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}
