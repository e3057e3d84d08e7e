/**
 * What every subcommand module gets: `run` (resolve the target, make the clients, run, print)
 * and `print`, sharing one exit code and one set of clients per invocation of `runCli`.
 */
import type { Command } from 'commander';
import { type Clients, clientsFor } from '../clients.ts';
import type { CommandContext, CommandResult, Io } from '../context.ts';
import { CliError, EXIT, type ExitCode } from '../exit-codes.ts';
import {
  type PulumiRunner,
  type Target,
  type TargetOptions,
  resolveTarget,
  runPulumi,
} from '../target.ts';
import type { PulumiConfigRunner } from '../preflight/stack-config.ts';

export interface CliEnvironment {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly tty: boolean;
  readonly pulumi?: PulumiRunner;
  readonly pulumiConfig?: PulumiConfigRunner;
  readonly signal?: AbortSignal;
}

export interface GlobalOptions extends TargetOptions {
  readonly json?: boolean;
}

export type Runner = (ctx: CommandContext) => Promise<CommandResult<unknown>>;

export interface CommandHost {
  readonly env: CliEnvironment;
  run(command: Command, runner: Runner): Promise<void>;
  print(opts: GlobalOptions, done: CommandResult<unknown>): void;
  /** The target the command ran against, once resolved (for error messages). */
  target(): Target | undefined;
  code(): ExitCode;
  destroy(): void;
}

export const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`${name} must be a positive integer, received ${JSON.stringify(value)}`);
  return n;
};

export function createHost(env: CliEnvironment): CommandHost {
  let code: ExitCode = EXIT.ok;
  let clients: Clients | undefined;
  let target: Target | undefined;
  const signal = env.signal ?? new AbortController().signal;
  const print = (opts: GlobalOptions, done: CommandResult<unknown>) => {
    env.stdout(opts.json ? `${JSON.stringify(done.result, null, 2)}\n` : done.text);
    code = done.code;
  };
  return {
    env,
    print,
    async run(command, runner) {
      const opts = command.optsWithGlobals<GlobalOptions>();
      const io: Io = {
        json: Boolean(opts.json),
        tty: env.tty && !opts.json,
        out: env.stdout,
        err: env.stderr,
      };
      target = resolveTarget(opts, env.pulumi ?? runPulumi);
      clients = clientsFor(target);
      print(opts, await runner({ target, clients, io, signal }));
    },
    target: () => target,
    code: () => code,
    destroy: () => clients?.destroy(),
  };
}
