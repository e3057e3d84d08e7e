/**
 * `POST /v1/uploads`: signed browser uploads into the caller's own key space only. Each file gets
 * a POST policy for exactly `input/<first op>/<client>/<name>`, its declared size (so 5 GB
 * cannot go where 200 MB was signed) and its content type, valid 15 minutes. `POST
 * /v1/uploads/complete` then copies each uploaded original to the other operations server-side,
 * so a client sends every photo once.
 */
import { CopyObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { clientInputPrefix } from '@darkroom/pipeline-spec';
import { z } from 'zod';
import { ApiError } from '../api-error.ts';
import { checkedName } from '../photo-names.ts';
import type { RouteContext } from './context.ts';
import { registerMultipart } from './multipart.ts';
import type { ClientRecord } from '@darkroom/operator';

const uploadRequest = z.object({
  files: z
    .array(
      z.object({
        name: z.string(),
        size: z.number().int().positive(),
        type: z.string().regex(/^image\/[a-z0-9.+-]+$/i),
      }),
    )
    .min(1),
});
const completeRequest = z.object({ names: z.array(z.string()).min(1) });

function parsed<T>(schema: z.ZodType<T>, body: unknown, max: number): T {
  const result = schema.safeParse(body);
  if (!result.success)
    throw new ApiError(
      400,
      'InvalidRequest',
      `The request body does not match the API: ${result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`,
    );
  const items = Object.values(result.data as object)[0];
  if (Array.isArray(items) && items.length > max)
    throw new ApiError(
      400,
      'TooManyFiles',
      `At most ${max} files per request, received ${items.length}`,
    );
  return result.data;
}

export function registerUploads(ctx: RouteContext): void {
  const { app, settings, s3 } = ctx;
  const [primary] = settings.operations;
  app.post('/v1/uploads', async (request) => {
    const client = await ctx.authenticate(request);
    const { files } = parsed(uploadRequest, request.body, settings.filesPerRequest);
    const checked = files.map((f) => ({ ...f, name: checkedName(f.name) }));
    const tooBig = checked.find((f) => f.size > settings.maxUploadBytes);
    if (tooBig)
      throw new ApiError(
        413,
        'TooLarge',
        `${tooBig.name} is ${tooBig.size} bytes; the limit is ${settings.maxUploadBytes}`,
      );
    await ctx.quotas.reserve(
      client,
      checked.length,
      checked.reduce((s, f) => s + f.size, 0),
    );
    const expiresAt = new Date(Date.now() + settings.uploadUrlSeconds * 1000).toISOString();
    const uploads = await Promise.all(
      checked.map(async (f) => {
        const key = `${clientInputPrefix(primary ?? 'thumbnail', client.id)}${f.name}`;
        const post = await createPresignedPost(s3, {
          Bucket: settings.bucket,
          Key: key,
          Conditions: [
            ['content-length-range', f.size, f.size],
            ['eq', '$Content-Type', f.type],
          ],
          Fields: { 'Content-Type': f.type },
          Expires: settings.uploadUrlSeconds,
        });
        return { name: f.name, url: post.url, fields: post.fields };
      }),
    );
    ctx.metrics.uploadsSigned.inc(uploads.length);
    return { uploads, expiresAt };
  });

  /** Copy an uploaded original to the other operations; false when it is not there. */
  async function copyToOtherOperations(client: ClientRecord, name: string): Promise<boolean> {
    const source = `${clientInputPrefix(primary ?? 'thumbnail', client.id)}${name}`;
    const there = await s3
      .send(new HeadObjectCommand({ Bucket: settings.bucket, Key: source }))
      .catch(() => undefined);
    if (!there) return false;
    const copySource = `${settings.bucket}/${source.split('/').map(encodeURIComponent).join('/')}`;
    for (const op of settings.operations.slice(1))
      await s3.send(
        new CopyObjectCommand({
          Bucket: settings.bucket,
          Key: `${clientInputPrefix(op, client.id)}${name}`,
          CopySource: copySource,
          CopySourceIfMatch: there.ETag,
        }),
      );
    return true;
  }

  app.post('/v1/uploads/complete', async (request) => {
    const client = await ctx.authenticate(request);
    const names = parsed(completeRequest, request.body, settings.filesPerRequest).names.map(
      checkedName,
    );
    const missing: string[] = [];
    for (const name of names) if (!(await copyToOtherOperations(client, name))) missing.push(name);
    return { completed: names.length - missing.length, missing };
  });

  registerMultipart(ctx, copyToOtherOperations);
}
