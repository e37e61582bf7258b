// The zod schema of a duration option: seconds as a number, or text such as '30s', '10m', '1h'.
import { z } from 'zod';
import { parseSeconds } from './duration.js';

/** A duration option, parsed into seconds; `what` names the option in the error. */
export const duration = (what: string) => {
  const message = `expected ${what} as seconds (a number >= 0) or text like '30s', '10m', '1h'`;
  // The union's own error covers NaN, Infinity and wrong types, which zod would report as just "Invalid input".
  return z.union([z.number(), z.string()], { error: message }).transform((value, ctx) => {
    const seconds = parseSeconds(value);
    if (seconds === undefined) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return seconds;
  });
};
