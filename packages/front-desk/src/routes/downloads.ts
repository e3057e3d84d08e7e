/**
 * `GET /v1/download?name=&operation=&kind=original|result`: a short-lived presigned GET for the
 * caller's own original or result (5 minutes, saved under its own file name); 404 when it does
 * not exist (yet). `DELETE /v1/photos?name=`: the original in every operation and every result
 * made from it are deleted; a result still being made is removed by its source's removal event.
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  OPERATIONS,
  clientInputPrefix,
  clientOutputPrefix,
  isOperation,
} from '@darkroom/pipeline-spec';
import { z } from 'zod';
import { ApiError } from '../api-error.ts';
import { checkedName } from '../photo-names.ts';
import type { RouteContext } from './context.ts';

const downloadQuery = z.object({
  name: z.string(),
  operation: z.string().refine(isOperation, { message: `one of ${OPERATIONS.join(', ')}` }),
  kind: z.enum(['original', 'result']).default('result'),
});

export function registerDownloads(ctx: RouteContext): void {
  const { app, s3, settings } = ctx;
  app.get('/v1/download', async (request) => {
    const client = await ctx.authenticate(request);
    const q = downloadQuery.safeParse(request.query);
    if (!q.success || !isOperation(q.data.operation))
      throw new ApiError(
        400,
        'InvalidRequest',
        `name, operation (${OPERATIONS.join(', ')}) and kind (original or result) are needed`,
      );
    const name = checkedName(q.data.name);
    const prefix =
      q.data.kind === 'original'
        ? clientInputPrefix(q.data.operation, client.id)
        : clientOutputPrefix(q.data.operation, client.id);
    const key = `${prefix}${name}`;
    const there = await s3
      .send(new HeadObjectCommand({ Bucket: settings.bucket, Key: key }))
      .catch(() => undefined);
    if (!there)
      throw new ApiError(
        404,
        'NotFound',
        `No ${q.data.kind} of ${name} for ${q.data.operation} (yet)`,
      );
    const fileName = name.split('/').at(-1) ?? name;
    const url = await getSignedUrl(
      s3,
      new GetObjectCommand({
        Bucket: settings.bucket,
        Key: key,
        ResponseContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(fileName)}`,
      }),
      { expiresIn: settings.downloadUrlSeconds },
    );
    return {
      url,
      expiresAt: new Date(Date.now() + settings.downloadUrlSeconds * 1000).toISOString(),
    };
  });

  app.delete('/v1/photos', async (request) => {
    const client = await ctx.authenticate(request);
    const name = checkedName(z.object({ name: z.string() }).safeParse(request.query).data?.name);
    const keys = settings.operations.flatMap((op) => [
      `${clientInputPrefix(op, client.id)}${name}`,
      `${clientOutputPrefix(op, client.id)}${name}`,
    ]);
    // One DeleteObject per key: each is its own ObjectRemoved event, everywhere (the emulator
    // sends none for DeleteObjects).
    await Promise.all(
      keys.map((Key) => s3.send(new DeleteObjectCommand({ Bucket: settings.bucket, Key }))),
    );
    return { deleted: name };
  });
}
