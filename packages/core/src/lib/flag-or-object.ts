// The zod schema of an option that is a flag or an options object, whose own problems are reported member by member.
import { z } from 'zod';

/**
 * A flag (a value `isFlag` accepts, kept as is) or an object parsed by `object`, each of whose issues is
 * reported at its own path: a zod union would hide them behind one "invalid input". Anything else is one
 * issue saying what was `expected`.
 */
export function flagOrObject<Flag, Shape extends z.ZodType>(isFlag: (value: unknown) => value is Flag, object: Shape, expected: string) {
  return z.unknown().transform((value, ctx): Flag | z.output<Shape> => {
    if (isFlag(value)) return value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: expected });
      return z.NEVER;
    }
    const parsed = object.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  });
}
