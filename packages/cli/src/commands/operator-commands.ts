/** The operator's everyday commands: upload, status, results, failed, redrive (each a thin shell over its module). */
import { type Command, Option } from 'commander';
import { addClientCommand, listClientsCommand, revokeClientCommand } from '../client-accounts.ts';
import { failed } from '../failed.ts';
import { normalisePrefix, parseOperations } from '../operations.ts';
import { type RedriveMethod, redrive } from '../redrive.ts';
import { parseSince, results } from '../results.ts';
import { status, watchStatus } from '../status.ts';
import { upload } from '../upload.ts';
import { type CommandHost, positiveInt } from './host.ts';

interface UploadFlags {
  op: string;
  prefix?: string;
  concurrency: number;
  partSizeMb: number;
  followSymlinks?: boolean;
}

export function registerUpload(program: Command, host: CommandHost): void {
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
    .action((dir: string, o: UploadFlags, cmd: Command) =>
      host.run(cmd, (ctx) =>
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
}

interface StatusFlags {
  op?: string;
  watch?: boolean;
  interval: number;
  timeout?: number;
}

export function registerStatus(program: Command, host: CommandHost): void {
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
    .action((o: StatusFlags, cmd: Command) =>
      host.run(cmd, (ctx) =>
        o.watch
          ? watchStatus(ctx, parseOperations(o.op), {
              intervalMs: o.interval * 1000,
              timeoutMs: o.timeout === undefined ? undefined : o.timeout * 1000,
            })
          : status(ctx, parseOperations(o.op)),
      ),
    );
}

export function registerResults(program: Command, host: CommandHost): void {
  program
    .command('results')
    .description('download results into DIR/output/<op>/…, mirroring the keys')
    .option('--op <ops>', 'operations (default all)')
    .option('--out <dir>', 'where to write', 'darkroom-results')
    .option('--since <when>', 'only results written since 15m, 2h, 1d or an ISO date')
    .option('--concurrency <n>', 'downloads in flight', positiveInt('--concurrency'), 16)
    .action((o: { op?: string; out: string; since?: string; concurrency: number }, cmd: Command) =>
      host.run(cmd, (ctx) =>
        results(ctx, {
          operations: parseOperations(o.op),
          out: o.out,
          since: parseSince(o.since),
          concurrency: o.concurrency,
        }),
      ),
    );
}

export function registerFailed(program: Command, host: CommandHost): void {
  program
    .command('failed')
    .description('dead-lettered photos with their error code and reason, grouped by code')
    .option('--op <ops>', 'operations (default all)')
    .action((o: { op?: string }, cmd: Command) =>
      host.run(cmd, (ctx) => failed(ctx, parseOperations(o.op))),
    );
}

interface RedriveFlags {
  op?: string;
  reason?: string;
  dryRun?: boolean;
  method: RedriveMethod;
}

export function registerRedrive(program: Command, host: CommandHost): void {
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
    .action((o: RedriveFlags, cmd: Command) =>
      host.run(cmd, (ctx) =>
        redrive(ctx, {
          operations: parseOperations(o.op),
          reason: o.reason,
          dryRun: Boolean(o.dryRun),
          method: o.method,
        }),
      ),
    );
}

interface AddClientFlags {
  name?: string;
  webhook?: string;
  photosPerDay?: number;
  maxGb?: number;
}

export function registerClients(program: Command, host: CommandHost): void {
  const clients = program
    .command('clients')
    .description("the business's clients and their front-desk tokens");
  clients
    .command('add <id>')
    .description('create a client (or give it another token); prints the token once')
    .option('--name <name>', 'display name')
    .option('--webhook <url>', 'HTTPS URL told of every new result (signed)')
    .option('--photos-per-day <n>', 'daily upload quota', positiveInt('--photos-per-day'))
    .option('--max-gb <n>', 'storage quota in GiB', positiveInt('--max-gb'))
    .action((id: string, o: AddClientFlags, cmd: Command) =>
      host.run(cmd, (ctx) =>
        addClientCommand(ctx, {
          id,
          ...(o.name ? { name: o.name } : {}),
          ...(o.webhook ? { webhookUrl: o.webhook } : {}),
          ...(o.photosPerDay ? { photosPerDay: o.photosPerDay } : {}),
          ...(o.maxGb ? { maxGigabytes: o.maxGb } : {}),
        }),
      ),
    );
  clients
    .command('list')
    .description('clients, their active tokens (ids only), webhooks and quotas')
    .action((_o: unknown, cmd: Command) => host.run(cmd, (ctx) => listClientsCommand(ctx)));
  clients
    .command('revoke <id>')
    .description("revoke a client's tokens (all, or one with --token)")
    .option('--token <tokenId>', 'the token id shown by `clients list`')
    .action((id: string, o: { token?: string }, cmd: Command) =>
      host.run(cmd, (ctx) => revokeClientCommand(ctx, id, o.token)),
    );
}
