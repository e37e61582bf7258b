// The demo: `pnpm demo` runs every checked step; `--serve` keeps it up; `--issuer` serves the APIs for a real issuer.
import { parseDemoArgs, USAGE } from './demo/args.js';

const EX_USAGE = 64;
const command = parseDemoArgs(process.argv.slice(2));

// The frameworks are imported only once the flags are known good, so --help and usage errors are instant.
switch (command.mode) {
  case 'help':
    console.log(USAGE);
    break;
  case 'usage-error':
    console.error(`demo: ${command.problem}\n\n${USAGE}`);
    process.exitCode = EX_USAGE;
    break;
  case 'run': {
    // Everything is bounded, but a hung step must still not hang a CI job.
    const watchdog = setTimeout(() => {
      console.error('demo: gave up after 30 s');
      process.exit(1);
    }, 30_000).unref();
    try {
      const { runDemo } = await import('./demo/run-demo.js');
      process.exitCode = await runDemo();
    } catch (error) {
      // A step that throws (rather than checks) is a failed demo: one line, no stack.
      console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
    clearTimeout(watchdog);
    break;
  }
  case 'serve':
    await (await import('./demo/serve.js')).serveLocal();
    break;
  case 'external': {
    const [{ serveExternal }, { TollgateConfigError }] = await Promise.all([import('./demo/serve.js'), import('@tollgate/core')]);
    try {
      await serveExternal(command.issuer, command.audience);
    } catch (error) {
      // tollgate checks its options at startup; its message names the option and what it expects.
      if (!(error instanceof TollgateConfigError)) throw error;
      console.error(`demo: ${error.message}`);
      process.exitCode = EX_USAGE;
    }
    break;
  }
}
