// The options every Redis store takes, validated with zod into seconds and a key prefix.
import { parseSeconds, TollgateConfigError, type Duration } from '@tollgate/core';
import { z } from 'zod';
import type { RedisClient } from './redis-client.js';

/** Options shared by the Redis stores. */
export interface RedisStoreOptions {
  /** Your Redis client, connected (see {@link RedisClient}); tollgate never closes it. */
  client: RedisClient;
  /**
   * Prepended to every key, to keep tollgate's keys apart from your own and one API's from another's.
   * Default `'tollgate:'`. At most 100 characters.
   */
  prefix?: string;
  /** How long one command may take before Redis counts as unavailable. Default `'500ms'`; at most 10 s. */
  timeout?: Duration;
  /**
   * After a failure, commands are not sent for this long and answer "unavailable" at once, so an outage
   * does not make every request wait for `timeout`. Default `'1s'`; at most 60 s.
   */
  cooldown?: Duration;
}

/** Options after validation: durations in seconds. */
export interface ResolvedStoreOptions {
  readonly prefix: string;
  readonly timeout: number;
  readonly cooldown: number;
}

const seconds = (what: string, max: number, min: number) =>
  z.union([z.number(), z.string()]).transform((value, ctx) => {
    const parsed = parseSeconds(value);
    if (parsed === undefined || parsed < min || parsed > max) {
      ctx.addIssue({ code: 'custom', message: `expected ${what} between ${min} and ${max} seconds, as a number of seconds or text like '500ms', '2s'` });
      return z.NEVER;
    }
    return parsed;
  });

const shared = {
  client: z.unknown(),
  prefix: z.string().max(100, 'at most 100 characters').default('tollgate:'),
  timeout: seconds('timeout', 10, 0.001).default(0.5),
  cooldown: seconds('cooldown', 60, 0).default(1),
};

/**
 * Validates `options` against the shared members and the store's own (`own`); a
 * {@link TollgateConfigError} naming the option otherwise.
 */
export function resolveStoreOptions<Own extends object = object>(options: RedisStoreOptions, factory: string, own: Record<string, z.ZodType> = {}): ResolvedStoreOptions & Own {
  const result = z.strictObject({ ...shared, ...own }).safeParse(options);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.length > 0 ? issue.path.join('.') : 'options';
    throw new TollgateConfigError(`${factory}: ${path}: ${issue.message}`);
  }
  const { client: _client, ...settings } = result.data as Record<string, unknown>;
  return Object.freeze(settings) as ResolvedStoreOptions & Own;
}
