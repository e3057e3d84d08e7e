/** The `darkroom` process: wires stdout/stderr, Ctrl-C and the exit code around `runCli`. */
import { runCli } from './program.ts';
import { EXIT } from './exit-codes.ts';

const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(EXIT.interrupted);
  interrupt.abort();
});

const code = await runCli(process.argv.slice(2), {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  tty: Boolean(process.stderr.isTTY),
  signal: interrupt.signal,
});
process.exitCode = interrupt.signal.aborted ? EXIT.interrupted : code;
