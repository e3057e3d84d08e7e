/**
 * Large photos in parts, resumable: `POST /v1/uploads/multipart {name,size,type}` starts an
 * upload into the caller's own prefix and signs a PUT per part (16 MiB; a part's size is what it
 * was signed for); `GET /v1/uploads/multipart?name=&uploadId=` says which parts S3 already has
 * and re-signs the others (a browser that lost its connection continues where it stopped);
 * `POST /v1/uploads/multipart/complete {name,uploadId}` completes it only if the parts add up to
 * the declared size (else aborts it: 400), then copies it to the other operations like a POST.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  type Part,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ClientRecord } from '@darkroom/operator';
import { clientInputPrefix } from '@darkroom/pipeline-spec';
import { z } from 'zod';
import { ApiError } from '../api-error.ts';
import { checkedName } from '../photo-names.ts';
import type { RouteContext } from './context.ts';

export const PART_BYTES = 16 * 1024 * 1024;

const start = z.object({
  name: z.string(),
  size: z.number().int().positive(),
  type: z.string().regex(/^image\/[a-z0-9.+-]+$/i),
});
const resume = z.object({ name: z.string(), uploadId: z.string().min(1) });

const partCount = (size: number) => Math.max(1, Math.ceil(size / PART_BYTES));

function keyOf(ctx: RouteContext, client: ClientRecord, name: string): string {
  return `${clientInputPrefix(ctx.settings.operations[0] ?? 'thumbnail', client.id)}${checkedName(name)}`;
}

async function existingParts(ctx: RouteContext, key: string, uploadId: string): Promise<Part[]> {
  const parts: Part[] = [];
  let marker: string | undefined;
  do {
    const page = await ctx.s3
      .send(
        new ListPartsCommand({
          Bucket: ctx.settings.bucket,
          Key: key,
          UploadId: uploadId,
          PartNumberMarker: marker,
        }),
      )
      .catch(() => {
        throw new ApiError(
          404,
          'NoSuchUpload',
          'This upload is unknown, completed or aborted; start it again.',
        );
      });
    parts.push(...(page.Parts ?? []));
    marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
  } while (marker);
  return parts;
}

async function signParts(
  ctx: RouteContext,
  key: string,
  uploadId: string,
  size: number,
  skip: ReadonlySet<number>,
) {
  const numbers = Array.from({ length: partCount(size) }, (_, i) => i + 1).filter(
    (n) => !skip.has(n),
  );
  return Promise.all(
    numbers.map(async (partNumber) => {
      const bytes = Math.min(PART_BYTES, size - (partNumber - 1) * PART_BYTES);
      const command = new UploadPartCommand({
        Bucket: ctx.settings.bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        ContentLength: bytes,
      });
      const url = await getSignedUrl(ctx.s3, command, {
        expiresIn: ctx.settings.uploadUrlSeconds,
        signableHeaders: new Set(['content-length']),
      });
      return { partNumber, bytes, url };
    }),
  );
}

function registerStart(ctx: RouteContext): void {
  const { app, settings, s3 } = ctx;
  app.post('/v1/uploads/multipart', async (request) => {
    const client = await ctx.authenticate(request);
    const body = start.safeParse(request.body);
    if (!body.success)
      throw new ApiError(
        400,
        'InvalidRequest',
        'name, size (bytes) and an image/… type are needed',
      );
    if (body.data.size > settings.maxUploadBytes)
      throw new ApiError(
        413,
        'TooLarge',
        `${body.data.name} is ${body.data.size} bytes; the limit is ${settings.maxUploadBytes}`,
      );
    const key = keyOf(ctx, client, body.data.name);
    await ctx.quotas.reserve(client, 1, body.data.size);
    const created = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: settings.bucket,
        Key: key,
        ContentType: body.data.type,
        Metadata: { 'declared-size': String(body.data.size) },
      }),
    );
    const uploadId = created.UploadId ?? '';
    return {
      name: body.data.name,
      uploadId,
      partBytes: PART_BYTES,
      parts: await signParts(ctx, key, uploadId, body.data.size, new Set()),
    };
  });
}

function registerResume(ctx: RouteContext): void {
  const { app } = ctx;
  app.get('/v1/uploads/multipart', async (request) => {
    const client = await ctx.authenticate(request);
    const q = resume.extend({ size: z.coerce.number().int().positive() }).safeParse(request.query);
    if (!q.success) throw new ApiError(400, 'InvalidRequest', 'name, uploadId and size are needed');
    const key = keyOf(ctx, client, q.data.name);
    const done = await existingParts(ctx, key, q.data.uploadId);
    const have = new Set(done.map((p) => p.PartNumber ?? 0));
    return {
      name: q.data.name,
      uploadId: q.data.uploadId,
      partBytes: PART_BYTES,
      done: [...have].sort((a, b) => a - b),
      parts: await signParts(ctx, key, q.data.uploadId, q.data.size, have),
    };
  });
}

function registerComplete(
  ctx: RouteContext,
  copyToOtherOperations: (client: ClientRecord, name: string) => Promise<boolean>,
): void {
  const { app, settings, s3 } = ctx;
  app.post('/v1/uploads/multipart/complete', async (request) => {
    const client = await ctx.authenticate(request);
    const body = resume.extend({ size: z.number().int().positive() }).safeParse(request.body);
    if (!body.success)
      throw new ApiError(400, 'InvalidRequest', 'name, uploadId and size are needed');
    const key = keyOf(ctx, client, body.data.name);
    const parts = await existingParts(ctx, key, body.data.uploadId);
    const total = parts.reduce((s, p) => s + (p.Size ?? 0), 0);
    if (total !== body.data.size) {
      await s3.send(
        new AbortMultipartUploadCommand({
          Bucket: settings.bucket,
          Key: key,
          UploadId: body.data.uploadId,
        }),
      );
      throw new ApiError(
        400,
        'SizeMismatch',
        `The parts hold ${total} bytes, not the ${body.data.size} declared; the upload was aborted, start it again.`,
      );
    }
    const sorted = parts
      .sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0))
      .map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag }));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: settings.bucket,
        Key: key,
        UploadId: body.data.uploadId,
        MultipartUpload: { Parts: sorted },
      }),
    );
    await copyToOtherOperations(client, body.data.name);
    return { completed: body.data.name };
  });
}

export function registerMultipart(
  ctx: RouteContext,
  copyToOtherOperations: (client: ClientRecord, name: string) => Promise<boolean>,
): void {
  registerStart(ctx);
  registerResume(ctx);
  registerComplete(ctx, copyToOtherOperations);
}
