// The demo's command line: run (default), --serve, or --issuer <url> --audience <aud>.
import { parseArgs } from 'node:util';

/** What the command line asks for. */
export type DemoCommand =
  | { mode: 'run' }
  | { mode: 'serve' }
  | { mode: 'external'; issuer: string; audience: string }
  | { mode: 'help' }
  | { mode: 'usage-error'; problem: string };

export const USAGE = `usage: pnpm demo [--serve | --issuer <url> --audience <aud>] [--help]

  (no flags)          run every step against a local issuer on 127.0.0.1, print a transcript, exit 0 if all passed
  --serve             keep the local issuer and the APIs up and print curl commands (Ctrl-C stops)
  --issuer <url>      serve the APIs for a real authorization server instead (implies --serve)
  --audience <aud>    the audience your tokens carry (required with --issuer)
  --help              this text`;

/** Parses `argv` (without node and the script). Never throws. */
export function parseDemoArgs(argv: readonly string[]): DemoCommand {
  let values: { serve?: boolean; issuer?: string; audience?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { serve: { type: 'boolean' }, issuer: { type: 'string' }, audience: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { mode: 'usage-error', problem: (error as Error).message };
  }
  if (values.help) return { mode: 'help' };
  if (values.issuer !== undefined || values.audience !== undefined) {
    if (values.issuer === undefined || values.audience === undefined) return { mode: 'usage-error', problem: '--issuer and --audience go together' };
    if (!URL.canParse(values.issuer)) return { mode: 'usage-error', problem: `--issuer ${JSON.stringify(values.issuer)} is not a URL` };
    return { mode: 'external', issuer: values.issuer, audience: values.audience };
  }
  return values.serve ? { mode: 'serve' } : { mode: 'run' };
}
