/**
 * `GET /v1/photos?cursor=&limit=`: the caller's photos, a page at a time (by name), each with its
 * status per operation (waiting / done / failed with a reason in client words). A page costs
 * one listing per prefix over the page's range, not one request per photo; failure reasons come
 * from the DLQs, read without consuming and cached for a few seconds.
 */
import type { _Object } from '@aws-sdk/client-s3';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { type DeadLetter, readDeadLetters } from '@darkroom/operator';
import { type Operation, clientInputPrefix, clientOutputPrefix } from '@darkroom/pipeline-spec';
import { z } from 'zod';
import { ApiError } from '../api-error.ts';
import { photoStatus } from '../photo-status.ts';
import type { RouteContext } from './context.ts';

const query = z.object({
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const FAILURE_CACHE_MS = 5_000;

/** Objects under `prefix` with names after `after` up to and including `last`. */
async function listRange(
  ctx: RouteContext,
  prefix: string,
  after: string | undefined,
  last: string,
): Promise<Map<string, _Object>> {
  const found = new Map<string, _Object>();
  let token: string | undefined;
  do {
    const page = await ctx.s3.send(
      new ListObjectsV2Command({
        Bucket: ctx.settings.bucket,
        Prefix: prefix,
        ContinuationToken: token,
        ...(after && !token ? { StartAfter: `${prefix}${after}` } : {}),
      }),
    );
    for (const o of page.Contents ?? []) {
      const name = (o.Key ?? '').slice(prefix.length);
      if (Buffer.compare(Buffer.from(name), Buffer.from(last)) > 0) return found;
      found.set(name, o);
    }
    token = page.NextContinuationToken;
  } while (token);
  return found;
}

function failureReader(ctx: RouteContext) {
  const cache = new Map<Operation, { at: number; letters: Promise<DeadLetter[]> }>();
  return (operation: Operation): Promise<DeadLetter[]> => {
    const url = ctx.settings.deadLetterQueueUrls[operation];
    if (!url) return Promise.resolve([]);
    const cached = cache.get(operation);
    if (cached && Date.now() - cached.at < FAILURE_CACHE_MS) return cached.letters;
    const letters = readDeadLetters(ctx.sqs, { queueUrl: '', deadLetterQueueUrl: url }, operation);
    cache.set(operation, { at: Date.now(), letters });
    return letters;
  };
}

export function registerPhotos(ctx: RouteContext): void {
  const failures = failureReader(ctx);
  ctx.app.get('/v1/photos', async (request) => {
    const client = await ctx.authenticate(request);
    const q = query.safeParse(request.query);
    if (!q.success)
      throw new ApiError(
        400,
        'InvalidRequest',
        'limit is 1–1000; cursor is the `next` of a previous page',
      );
    const [primary = 'thumbnail', ...others] = ctx.settings.operations;
    const primaryPrefix = clientInputPrefix(primary, client.id);
    const page = await ctx.s3.send(
      new ListObjectsV2Command({
        Bucket: ctx.settings.bucket,
        Prefix: primaryPrefix,
        MaxKeys: q.data.limit,
        ...(q.data.cursor ? { StartAfter: `${primaryPrefix}${q.data.cursor}` } : {}),
      }),
    );
    const originals = (page.Contents ?? []).map((o) => ({
      name: (o.Key ?? '').slice(primaryPrefix.length),
      object: o,
    }));
    const last = originals.at(-1)?.name ?? '';
    const perOp = await Promise.all(
      ctx.settings.operations.map(async (op) => {
        const [inputs, outputs, letters] = await Promise.all([
          op === primary
            ? new Map(originals.map((o) => [o.name, o.object]))
            : listRange(ctx, clientInputPrefix(op, client.id), q.data.cursor, last),
          listRange(ctx, clientOutputPrefix(op, client.id), q.data.cursor, last),
          failures(op),
        ]);
        const failed = new Map(
          letters
            .filter((l) => l.key.startsWith(clientInputPrefix(op, client.id)))
            .map((l) => [l.key.slice(clientInputPrefix(op, client.id).length), l.code]),
        );
        return { op, inputs, outputs, failed };
      }),
    );
    const photos = originals.map(({ name, object }) => ({
      name,
      size: object.Size ?? 0,
      uploadedAt: object.LastModified?.toISOString(),
      operations: Object.fromEntries(
        perOp.map(({ op, inputs, outputs, failed }) => {
          const original = inputs.get(name);
          if (!original) return [op, { status: others.includes(op) ? 'waiting' : 'done' }];
          return [
            op,
            photoStatus({
              originalModified: original.LastModified ?? new Date(0),
              resultModified: outputs.get(name)?.LastModified,
              failureCode: failed.get(name),
            }),
          ];
        }),
      ),
    }));
    return { photos, ...(page.IsTruncated && last ? { next: last } : {}) };
  });
}
