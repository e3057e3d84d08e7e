/**
 * The `darkroom` command line: global target options, one subcommand per task (commands/), `--json`
 * on all. `runCli(argv)` parses, runs and returns the exit code; it never calls process.exit, so
 * tests run it in-process and the bin wraps it.
 */
import { Command, CommanderError, Option } from 'commander';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { type CliEnvironment, type CommandHost, createHost } from './commands/host.ts';
import {
  registerClients,
  registerFailed,
  registerRedrive,
  registerResults,
  registerStatus,
  registerUpload,
} from './commands/operator-commands.ts';
import { registerStackCommands } from './commands/stack-commands.ts';

export type { CliEnvironment };

/** A refused TCP connection anywhere in an SDK error's causes. */
function connectionRefused(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (typeof e !== 'object' || e === null) break;
    if ('code' in e && e.code === 'ECONNREFUSED') return true;
    e = 'cause' in e ? e.cause : undefined;
  }
  return /ECONNREFUSED/.test(error instanceof Error ? error.message : String(error));
}

function globalOptions(program: Command, env: CliEnvironment): Command {
  return program
    .description(
      'Operate Darkroom: upload photos, watch them drain, fetch results, deal with failures.',
    )
    .addOption(
      new Option('--local', `the local emulator started by \`npm start -- --keep-running\``),
    )
    .addOption(
      new Option('--stack <name>', 'a deployed stack (outputs from `pulumi stack output --json`)'),
    )
    .addOption(
      new Option(
        '--outputs <file>',
        'stack outputs JSON instead of asking Pulumi (or the local target file)',
      ),
    )
    .addOption(new Option('--endpoint <url>', 'S3/SQS endpoint override'))
    .addOption(
      new Option(
        '--region <region>',
        'AWS region override (default: from the queue URLs, then the SDK chain)',
      ),
    )
    .addOption(new Option('--json', 'machine-readable output on stdout'))
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: env.stdout, writeErr: env.stderr });
}

/** The exit code and message for what a command threw: a usage error, ours, a stopped emulator, or a bug. */
function exitFor(error: unknown, host: CommandHost): ExitCode {
  const { stderr } = host.env;
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof CliError) {
    stderr(`darkroom: ${error.message}\n`);
    return error.exitCode;
  }
  const target = host.target();
  if (target?.kind === 'local' && connectionRefused(error)) {
    stderr(
      `darkroom: the local pipeline is not running (nothing answers at ${target.endpoint ?? 'its endpoint'}): start it with \`npm start -- --keep-running\`, then run this again\n`,
    );
    return EXIT.error;
  }
  stderr(
    `darkroom: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`,
  );
  return EXIT.error;
}

export async function runCli(argv: readonly string[], env: CliEnvironment): Promise<ExitCode> {
  const host = createHost(env);
  const program = globalOptions(new Command('darkroom'), env);
  registerStackCommands(program, host);
  for (const register of [
    registerUpload,
    registerStatus,
    registerResults,
    registerFailed,
    registerRedrive,
    registerClients,
  ])
    register(program, host);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return host.code();
  } catch (error) {
    return exitFor(error, host);
  } finally {
    host.destroy();
  }
}
