/**
 * Commands about a stack rather than its photos: support, preflight, smoke. Their heavy modules
 * (the stack config parser brings @pulumi/pulumi, smoke brings sharp) load on demand, so the
 * everyday commands never pay for them.
 */
import type { Command } from 'commander';
import { CliError } from '../exit-codes.ts';
import type { Box } from '../smoke/verify.ts';
import { type CommandHost, type GlobalOptions, positiveInt } from './host.ts';

const CONFIG_HELP = 'stack config (default: `pulumi config --json`, else Pulumi.<stack>.yaml)';

function stackOf(command: Command, what: string): { opts: GlobalOptions; stack: string } {
  const opts = command.optsWithGlobals<GlobalOptions>();
  if (!opts.stack)
    throw new CliError(`${what} needs --stack NAME (the stack you are about to deploy)`);
  return { opts, stack: opts.stack };
}

async function support(
  host: CommandHost,
  command: Command,
  o: { config?: string; today?: string },
) {
  const { opts, stack } = stackOf(command, 'support');
  const today = o.today === undefined ? new Date() : new Date(`${o.today}T00:00:00Z`);
  if (Number.isNaN(today.getTime()))
    throw new CliError(
      `--today must be a date like 2026-12-03, received ${JSON.stringify(o.today)}`,
    );
  const [{ loadStackConfig }, { runSupport }] = await Promise.all([
    import('../preflight/stack-config.ts'),
    import('../preflight/preflight.ts'),
  ]);
  const config = loadStackConfig(stack, {
    ...(o.config ? { file: o.config } : {}),
    ...(host.env.pulumiConfig ? { pulumi: host.env.pulumiConfig } : {}),
  });
  host.print(opts, runSupport(config, stack, today));
}

async function preflight(host: CommandHost, command: Command, configFile: string | undefined) {
  const { opts, stack } = stackOf(command, 'preflight');
  const [{ loadStackConfig }, { preflightClients, destroyPreflightClients }, { runPreflight }] =
    await Promise.all([
      import('../preflight/stack-config.ts'),
      import('../preflight/clients.ts'),
      import('../preflight/preflight.ts'),
    ]);
  const config = loadStackConfig(stack, {
    ...(configFile ? { file: configFile } : {}),
    ...(opts.region ? { region: opts.region } : {}),
    ...(host.env.pulumiConfig ? { pulumi: host.env.pulumiConfig } : {}),
  });
  const aws = preflightClients(config.region);
  try {
    host.print(opts, await runPreflight(aws, config, stack));
  } finally {
    destroyPreflightClients(aws);
  }
}

async function smoke(
  host: CommandHost,
  command: Command,
  o: { timeout: number; thumbnailBox?: string },
) {
  const [{ smoke: runSmoke }, inputs] = await Promise.all([
    import('../smoke/smoke.ts'),
    import('../smoke/inputs.ts'),
  ]);
  const opts = command.optsWithGlobals<GlobalOptions>();
  let box: Box = inputs.thumbnailBox();
  if (o.thumbnailBox) box = inputs.parseBox(o.thumbnailBox);
  else if (opts.stack) {
    const { loadStackConfig } = await import('../preflight/stack-config.ts');
    const config = loadStackConfig(
      opts.stack,
      host.env.pulumiConfig ? { pulumi: host.env.pulumiConfig } : {},
    );
    box = inputs.thumbnailBox(config.workers.thumbnail?.operationOptions);
  }
  const run = {
    photos: inputs.samplePhotos(),
    thumbnailBox: box,
    timeoutMs: o.timeout * 1000,
    pollMs: 1000,
  };
  await host.run(command, (ctx) => runSmoke(ctx, run));
}

export function registerStackCommands(program: Command, host: CommandHost): void {
  program
    .command('support')
    .description(
      "is the stack's Kubernetes minor in EKS standard support, and what does its control plane cost (no AWS call)",
    )
    .option('--config <file>', CONFIG_HELP)
    .option('--today <date>', 'judge as of this date (YYYY-MM-DD), for planning')
    .action((o: { config?: string; today?: string }, cmd: Command) => support(host, cmd, o));
  program
    .command('preflight')
    .description(
      'before `pulumi up`: AMI alias, add-on versions, spot role, vCPU quotas, AZ offerings, permissions',
    )
    .option('--config <file>', CONFIG_HELP)
    .action((o: { config?: string }, cmd: Command) => preflight(host, cmd, o.config));
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
    .action((o: { timeout: number; thumbnailBox?: string }, cmd: Command) => smoke(host, cmd, o));
}
