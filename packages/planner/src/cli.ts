// Entry point of `npm run plan`; see cli-main.ts for the options.
import { runCli } from './cli-main.ts';

process.exitCode = runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
