/**
 * The `darkroom` command line: global target options, one subcommand per task, `--json` on all.
 * `runCli(argv)` parses, runs and returns the exit code; it never calls process.exit, so tests
 * run it in-process and the bin wraps it.
 */
import { Command, CommanderError, Option } from 'commander';
import { type Clients, clientsFor } from './clients.ts';
import type { CommandContext, CommandResult, Io } from './context.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { failed } from './failed.ts';
import { normalisePrefix, parseOperations } from './operations.ts';
import { type RedriveMethod, redrive } from './redrive.ts';
import { parseSince, results } from './results.ts';
import { status, watchStatus } from './status.ts';
import {
  type PulumiRunner,
  type Target,
  type TargetOptions,
  resolveTarget,
  runPulumi,
} from './target.ts';
import { upload } from './upload.ts';
import type { Box } from './smoke/verify.ts';
import type { PulumiConfigRunner } from './preflight/stack-config.ts';

export interface CliEnvironment {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly tty: boolean;
  readonly pulumi?: PulumiRunner;
  readonly pulumiConfig?: PulumiConfigRunner;
  readonly signal?: AbortSignal;
}

interface GlobalOptions extends TargetOptions {
  readonly json?: boolean;
}

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`${name} must be a positive integer, received ${JSON.stringify(value)}`);
  return n;
};

type Runner = (ctx: CommandContext) => Promise<CommandResult<unknown>>;

/** A refused TCP connection anywhere in an SDK error's causes. */
function connectionRefused(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === 'ECONNREFUSED') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return /ECONNREFUSED/.test(String((error as Error)?.message ?? ''));
}

export async function runCli(argv: readonly string[], env: CliEnvironment): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  let clients: Clients | undefined;
  let target: Target | undefined;
  const signal = env.signal ?? new AbortController().signal;
  const program = new Command('darkroom');

  async function run(command: Command, runner: Runner): Promise<void> {
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
  }

  function print(opts: GlobalOptions, done: CommandResult<unknown>): void {
    env.stdout(opts.json ? `${JSON.stringify(done.result, null, 2)}\n` : done.text);
    code = done.code;
  }

  async function preflight(command: Command, configFile: string | undefined): Promise<void> {
    const opts = command.optsWithGlobals<GlobalOptions>();
    if (!opts.stack)
      throw new CliError('preflight needs --stack NAME (the stack you are about to deploy)');
    // Loaded on demand: the stack config parser brings @pulumi/pulumi, which the other commands never need.
    const [{ loadStackConfig }, { preflightClients, destroyPreflightClients }, { runPreflight }] =
      await Promise.all([
        import('./preflight/stack-config.ts'),
        import('./preflight/clients.ts'),
        import('./preflight/preflight.ts'),
      ]);
    const config = loadStackConfig(opts.stack, {
      ...(configFile ? { file: configFile } : {}),
      ...(opts.region ? { region: opts.region } : {}),
      ...(env.pulumiConfig ? { pulumi: env.pulumiConfig } : {}),
    });
    const aws = preflightClients(config.region);
    try {
      print(opts, await runPreflight(aws, config, opts.stack));
    } finally {
      destroyPreflightClients(aws);
    }
  }

  program
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

  async function support(command: Command, o: { config?: string; today?: string }) {
    const opts = command.optsWithGlobals<GlobalOptions>();
    if (!opts.stack) throw new CliError('support needs --stack NAME');
    const today = o.today === undefined ? new Date() : new Date(`${o.today}T00:00:00Z`);
    if (Number.isNaN(today.getTime()))
      throw new CliError(
        `--today must be a date like 2026-12-03, received ${JSON.stringify(o.today)}`,
      );
    const [{ loadStackConfig }, { runSupport }] = await Promise.all([
      import('./preflight/stack-config.ts'),
      import('./preflight/preflight.ts'),
    ]);
    const config = loadStackConfig(opts.stack, {
      ...(o.config ? { file: o.config } : {}),
      ...(env.pulumiConfig ? { pulumi: env.pulumiConfig } : {}),
    });
    print(opts, runSupport(config, opts.stack, today));
  }

  program
    .command('support')
    .description(
      "is the stack's Kubernetes minor in EKS standard support, and what does its control plane cost (no AWS call)",
    )
    .option(
      '--config <file>',
      'stack config (default: `pulumi config --json`, else Pulumi.<stack>.yaml)',
    )
    .option('--today <date>', 'judge as of this date (YYYY-MM-DD), for planning')
    .action((o: { config?: string; today?: string }, cmd: Command) => support(cmd, o));

  program
    .command('preflight')
    .description(
      'before `pulumi up`: AMI alias, add-on versions, spot role, vCPU quotas, AZ offerings, permissions',
    )
    .option(
      '--config <file>',
      'stack config (default: `pulumi config --json`, else Pulumi.<stack>.yaml)',
    )
    .action((o: { config?: string }, cmd: Command) => preflight(cmd, o.config));

  async function smoke(command: Command, o: { timeout: number; thumbnailBox?: string }) {
    // Loaded on demand: it brings sharp (to check results) and, for a stack, the config parser.
    const [{ smoke: runSmoke }, inputs] = await Promise.all([
      import('./smoke/smoke.ts'),
      import('./smoke/inputs.ts'),
    ]);
    const opts = command.optsWithGlobals<GlobalOptions>();
    let box: Box = inputs.thumbnailBox();
    if (o.thumbnailBox) box = inputs.parseBox(o.thumbnailBox);
    else if (opts.stack) {
      const { loadStackConfig } = await import('./preflight/stack-config.ts');
      const config = loadStackConfig(
        opts.stack,
        env.pulumiConfig ? { pulumi: env.pulumiConfig } : {},
      );
      box = inputs.thumbnailBox(config.workers.thumbnail?.operationOptions);
    }
    await run(command, (ctx) =>
      runSmoke(ctx, {
        photos: inputs.samplePhotos(),
        thumbnailBox: box,
        timeoutMs: o.timeout * 1000,
        pollMs: 1000,
      }),
    );
  }

  program
    .command('smoke')
    .description(
      'prove a stack end to end: sample photos and a poison file through every operation, each result checked, then removed',
    )
    .option(
      '--timeout <seconds>',
      'give up (exit 2) after this long; from zero pods a stack needs ~1-2 min',
      positiveInt('--timeout'),
      600,
    )
    .option(
      '--thumbnail-box <WxH>',
      "the thumbnail worker's box (default: the stack's thumbnail options, else image-ops' default)",
    )
    .action((o: { timeout: number; thumbnailBox?: string }, cmd: Command) => smoke(cmd, o));

  program
    .command('upload <dir>')
    .description(
      'upload every file under DIR to input/<op>/…: parallel, resumable, keys kept verbatim',
    )
    .requiredOption('--op <ops>', 'grayscale|watermark|thumbnail|all (comma list allowed)')
    .option('--prefix <prefix>', 'key prefix under input/<op>/, e.g. batch-2026-11')
    .option('--concurrency <n>', 'files in flight', positiveInt('--concurrency'), 16)
    .option(
      '--part-size-mb <n>',
      'multipart above this size, in parts of this size (min 5)',
      positiveInt('--part-size-mb'),
      8,
    )
    .option(
      '--follow-symlinks',
      'upload what symbolic links point to (by default each link is reported and left out)',
    )
    .action(
      (
        dir: string,
        o: {
          op: string;
          prefix?: string;
          concurrency: number;
          partSizeMb: number;
          followSymlinks?: boolean;
        },
        cmd: Command,
      ) =>
        run(cmd, (ctx) =>
          upload(ctx, {
            dir,
            operations: parseOperations(o.op),
            prefix: normalisePrefix(o.prefix),
            concurrency: o.concurrency,
            partSize: Math.max(5, o.partSizeMb) * 1024 * 1024,
            followSymlinks: Boolean(o.followSymlinks),
          }),
        ),
    );

  program
    .command('status')
    .description(
      'queue depth, in flight, DLQ depth, oldest age and results per minute, per operation',
    )
    .option('--op <ops>', 'operations (default all)')
    .option('--watch', 'redraw until drained, then print the drain time')
    .option(
      '--interval <seconds>',
      'seconds between polls with --watch',
      positiveInt('--interval'),
      2,
    )
    .option(
      '--timeout <seconds>',
      'with --watch: give up (exit 2) after this long',
      positiveInt('--timeout'),
    )
    .action(
      (o: { op?: string; watch?: boolean; interval: number; timeout?: number }, cmd: Command) =>
        run(cmd, (ctx) =>
          o.watch
            ? watchStatus(ctx, parseOperations(o.op), {
                intervalMs: o.interval * 1000,
                timeoutMs: o.timeout === undefined ? undefined : o.timeout * 1000,
              })
            : status(ctx, parseOperations(o.op)),
        ),
    );

  program
    .command('results')
    .description('download results into DIR/output/<op>/…, mirroring the keys')
    .option('--op <ops>', 'operations (default all)')
    .option('--out <dir>', 'where to write', 'darkroom-results')
    .option('--since <when>', 'only results written since 15m, 2h, 1d or an ISO date')
    .option('--concurrency <n>', 'downloads in flight', positiveInt('--concurrency'), 16)
    .action((o: { op?: string; out: string; since?: string; concurrency: number }, cmd: Command) =>
      run(cmd, (ctx) =>
        results(ctx, {
          operations: parseOperations(o.op),
          out: o.out,
          since: parseSince(o.since),
          concurrency: o.concurrency,
        }),
      ),
    );

  program
    .command('failed')
    .description('dead-lettered photos with their error code and reason, grouped by code')
    .option('--op <ops>', 'operations (default all)')
    .action((o: { op?: string }, cmd: Command) =>
      run(cmd, (ctx) => failed(ctx, parseOperations(o.op))),
    );

  program
    .command('redrive')
    .description('move dead-lettered messages back to their work queue')
    .option('--op <ops>', 'operations (default all)')
    .option('--reason <code>', 'only messages with this error code (see `darkroom failed`)')
    .option('--dry-run', 'list what would move, move nothing')
    .addOption(
      new Option(
        '--method <method>',
        'move-task: SQS StartMessageMoveTask; copy: receive/send/delete',
      )
        .choices(['auto', 'move-task', 'copy'])
        .default('auto'),
    )
    .action(
      (
        o: { op?: string; reason?: string; dryRun?: boolean; method: RedriveMethod },
        cmd: Command,
      ) =>
        run(cmd, (ctx) =>
          redrive(ctx, {
            operations: parseOperations(o.op),
            reason: o.reason,
            dryRun: Boolean(o.dryRun),
            method: o.method,
          }),
        ),
    );

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof CliError) {
      env.stderr(`darkroom: ${error.message}\n`);
      return error.exitCode;
    }
    if (target?.kind === 'local' && connectionRefused(error)) {
      env.stderr(
        `darkroom: the local pipeline is not running (nothing answers at ${target.endpoint ?? 'its endpoint'}): start it with \`npm start -- --keep-running\`, then run this again\n`,
      );
      return EXIT.error;
    }
    env.stderr(`darkroom: ${(error as Error).name}: ${(error as Error).message}\n`);
    return EXIT.error;
  } finally {
    clients?.destroy();
  }
}
