/**
 * `darkroom clients add|list|revoke`: the photography business's clients and their front-desk
 * tokens (the operator library's client records, `clients/<id>.json` in the photo bucket). A
 * token is printed once, when it is made; only its hash is kept.
 */
import {
  ClientError,
  type ClientRecord,
  addClient,
  listClients,
  revokeClient,
} from '@darkroom/operator';
import type { CommandContext, CommandResult } from './context.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { table } from './table.ts';

export interface AddClientOptions {
  readonly id: string;
  readonly name?: string;
  readonly webhookUrl?: string;
  readonly photosPerDay?: number;
  readonly maxGigabytes?: number;
}

/** What is shown of a record: never a hash, only token ids and when they were made or revoked. */
const summary = (r: ClientRecord) => ({
  id: r.id,
  name: r.name,
  tokens: r.tokens.map((t) => ({
    id: t.id,
    createdAt: t.createdAt,
    ...(t.revokedAt ? { revokedAt: t.revokedAt } : {}),
  })),
  webhook: r.webhook?.url,
  quota: r.quota,
});

async function operatorAction<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ClientError) throw new CliError(error.message);
    throw error;
  }
}

export async function addClientCommand(
  ctx: CommandContext,
  o: AddClientOptions,
): Promise<CommandResult<unknown>> {
  const quota = {
    ...(o.photosPerDay ? { photosPerDay: o.photosPerDay } : {}),
    ...(o.maxGigabytes ? { bytesStored: o.maxGigabytes * 1024 ** 3 } : {}),
  };
  const { record, token, webhookSecret } = await operatorAction(() =>
    addClient(ctx.clients.s3, ctx.target.bucket, {
      id: o.id,
      ...(o.name ? { name: o.name } : {}),
      ...(o.webhookUrl ? { webhookUrl: o.webhookUrl } : {}),
      quota,
    }),
  );
  const lines = [
    `client ${record.id} (${record.name}): new token — give it to the client now, it is not shown again:`,
    `  ${token}`,
    ...(webhookSecret && o.webhookUrl
      ? [
          `webhook ${o.webhookUrl}, signing secret (verify Darkroom-Signature with it):`,
          `  ${webhookSecret}`,
        ]
      : []),
    `quota: ${record.quota.photosPerDay} photos a day, ${(record.quota.bytesStored / 1024 ** 3).toFixed(0)} GiB stored`,
  ];
  return {
    code: EXIT.ok,
    result: {
      ...summary(record),
      token,
      ...(webhookSecret && o.webhookUrl ? { webhookSecret } : {}),
    },
    text: `${lines.join('\n')}\n`,
  };
}

export async function listClientsCommand(ctx: CommandContext): Promise<CommandResult<unknown>> {
  const records = (await listClients(ctx.clients.s3, ctx.target.bucket)).map(summary);
  const rows = records.map((r) => [
    r.id,
    r.name,
    String(r.tokens.filter((t) => !t.revokedAt).length),
    r.webhook ?? '-',
    String(r.quota.photosPerDay),
  ]);
  const text =
    records.length === 0
      ? 'no clients yet: darkroom clients add <id>\n'
      : `${table([['client', 'name', 'active tokens', 'webhook', 'photos/day'], ...rows])}\n`;
  return { code: EXIT.ok, result: records, text };
}

export async function revokeClientCommand(
  ctx: CommandContext,
  id: string,
  tokenId: string | undefined,
): Promise<CommandResult<unknown>> {
  const record = await operatorAction(() =>
    revokeClient(ctx.clients.s3, ctx.target.bucket, id, tokenId),
  );
  const text = `${tokenId ? `token ${tokenId}` : 'every token'} of ${id} revoked; the front desk refuses it within 10 s\n`;
  return { code: EXIT.ok, result: summary(record), text };
}
