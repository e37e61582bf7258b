// Validation of the `mtls` option (zod) into ResolvedMtlsOptions, failing closed on every doubtful spelling.
import { z } from 'zod';
import type { ResolvedMtlsOptions } from '../../mtls.js';
import { flagOrObject } from '../flag-or-object.js';

const FORMATS = ['pem-urlencoded', 'xfcc', 'base64-der'] as const;
// RFC 9110 section 5.1: a field name is a token.
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;
// Headers that carry something else: a certificate read from one of them would be the client's own words.
const RESERVED = new Set(['authorization', 'dpop', 'host', 'cookie', 'content-type', 'content-length', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded']);

const headerName = z.string({ error: "must be the header's name, e.g. 'x-client-cert'" }).superRefine((name, ctx) => {
  if (!FIELD_NAME.test(name)) ctx.addIssue({ code: 'custom', message: "must be a header name (letters, digits, '-'), e.g. 'x-client-cert'" });
  else if (RESERVED.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', message: `'${name}' carries something else; name the header your proxy sets to the client certificate` });
});

const mtlsObject = z.strictObject({
  certificateHeader: z
    .strictObject(
      {
        name: headerName,
        format: z.enum(FORMATS, { error: `must be one of ${FORMATS.map((f) => `'${f}'`).join(', ')}` }),
      },
      { error: "expected { name, format }, e.g. { name: 'x-client-cert', format: 'pem-urlencoded' }" },
    )
    .optional(),
});

/**
 * The zod schema of `mtls`: `false`, or the options object, whose own problems are reported member by
 * member. `true` is refused: it reads as "require mTLS", which this option does not do.
 */
export const mtlsSchema = flagOrObject(
  (value): value is false => value === false,
  mtlsObject,
  'expected false (refuse certificate-bound tokens) or { certificateHeader? }; certificate-bound tokens are checked against the TLS client certificate without it',
);

/** Resolves the parsed `mtls` option: `undefined` when certificate-bound tokens are refused (`false`). */
export function resolveMtls(parsed: z.infer<typeof mtlsSchema> | undefined): ResolvedMtlsOptions | undefined {
  if (parsed === false) return undefined;
  const header = parsed?.certificateHeader;
  return Object.freeze({ certificateHeader: header ? Object.freeze({ name: header.name.toLowerCase(), format: header.format }) : undefined });
}
