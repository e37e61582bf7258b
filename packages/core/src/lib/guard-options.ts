// Validates the guard (transport) options an adapter is given beside or inside the verifier's options.
import { TollgateConfigError } from '../errors.js';
import type { GuardOptions } from '../guard.js';

/** The guard options that are switches; `realm` is the one other key. */
export const GUARD_SWITCHES = ['optional', 'allowQuery', 'allowBody', 'allowPreflight'] as const;

/**
 * Returns `value` as guard options, or throws a TollgateConfigError naming every key that is unknown
 * or of the wrong type: a misspelt `optinal: true` must not be dropped silently.
 */
export function checkGuardOptions(value: unknown, where: string): GuardOptions {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TollgateConfigError(`${where}: guard options must be an object`);
  const problems: string[] = [];
  for (const [key, option] of Object.entries(value)) {
    if ((GUARD_SWITCHES as readonly string[]).includes(key)) {
      if (option !== undefined && typeof option !== 'boolean') problems.push(`${key}: must be true or false`);
    } else if (key === 'realm') {
      if (option !== undefined && (typeof option !== 'string' || !/^[\x20-\x7e]*$/.test(option))) problems.push('realm: must be printable ASCII text');
    } else {
      problems.push(`${JSON.stringify(key).slice(0, 60)}: not a guard option (${[...GUARD_SWITCHES, 'realm'].join(', ')})`);
    }
  }
  if (problems.length) throw new TollgateConfigError(`${where}: invalid guard options\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return value as GuardOptions;
}
