// @tollgate/cli: the `tollgate` command (inspect and verify JWT access tokens), callable in-process.
export { main } from './main.js';
export { ExitCode } from './exit-codes.js';
export type { CliIo, TextOutput } from './cli-io.js';
export type { TokenInput } from './read-token.js';
