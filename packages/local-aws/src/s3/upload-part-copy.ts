/**
 * `UploadPartCopy` (a part copied from an existing object, whole or a byte range), which fauxqs
 * answered with 500: the emulator reads the source and uploads it as the part, answering
 * `<CopyPartResult>` as S3 does. IAM has already judged the request (s3:GetObject on the source,
 * s3:PutObject on the destination) before this runs.
 * (docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html)
 *
 * Contract: a Fastify preHandler answering `PUT ?partNumber&uploadId` with `x-amz-copy-source`
 * only; S3's errors for a missing source (404 NoSuchKey), an unsatisfiable range (400
 * InvalidArgument) or upload (404 NoSuchUpload), never a 500 for a client's mistake.
 */
import { GetObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { s3ErrorXml } from '../s3-errors.ts';
import type { SelfClients } from '../self-clients.ts';
import { objectRequestOf } from './object-writes.ts';

export interface CopySource {
  readonly bucket: string;
  readonly key: string;
}

/** `bucket/key` or `/bucket/key`, URL-encoded, optionally `?versionId=…` (ignored: no versions here). */
export function parseCopySource(header: string): CopySource | undefined {
  const path = header.split('?')[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(path).replace(/^\//, '');
  } catch {
    return undefined;
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) return undefined;
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

/** `bytes=first-last` (both required, as S3 requires for copy ranges), or undefined when absent. */
export function parseCopyRange(
  header: string | undefined,
): { first: number; last: number } | 'invalid' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d+)-(\d+)$/.exec(header);
  if (!m) return 'invalid';
  const first = Number(m[1]);
  const last = Number(m[2]);
  return first <= last ? { first, last } : 'invalid';
}

const headerOf = (value: string | string[] | undefined) =>
  Array.isArray(value) ? value[0] : value;

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const meta = error.$metadata;
  return typeof meta === 'object' &&
    meta !== null &&
    'httpStatusCode' in meta &&
    typeof meta.httpStatusCode === 'number'
    ? meta.httpStatusCode
    : undefined;
}

function fail(reply: FastifyReply, status: number, code: string, message: string) {
  return reply
    .code(status)
    .header('content-type', 'application/xml')
    .send(s3ErrorXml(code, message));
}

export function installUploadPartCopy(app: FastifyInstance, self: SelfClients): void {
  app.addHook('preHandler', async (request, reply) => {
    const [, query = ''] = request.url.split('?');
    const params = new URLSearchParams(query);
    const copySource = headerOf(request.headers['x-amz-copy-source']);
    if (
      request.method !== 'PUT' ||
      !params.has('partNumber') ||
      !params.has('uploadId') ||
      !copySource
    )
      return undefined;
    const target = objectRequestOf(request.method, request.url, request.headers);
    const source = parseCopySource(copySource);
    const range = parseCopyRange(headerOf(request.headers['x-amz-copy-source-range']));
    if (!target || !source)
      return fail(
        reply,
        400,
        'InvalidArgument',
        'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
      );
    if (range === 'invalid')
      return fail(
        reply,
        400,
        'InvalidArgument',
        'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
      );
    let body: Uint8Array;
    try {
      const object = await self.s3.send(
        new GetObjectCommand({
          Bucket: source.bucket,
          Key: source.key,
          ...(range ? { Range: `bytes=${range.first}-${range.last}` } : {}),
        }),
      );
      body = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) return fail(reply, 404, 'NoSuchKey', 'The specified key does not exist.');
      if (status === 416)
        return fail(
          reply,
          400,
          'InvalidArgument',
          'Range specified is not valid for source object',
        );
      throw error;
    }
    try {
      const part = await self.s3.send(
        new UploadPartCommand({
          Bucket: target.bucket,
          Key: target.key,
          UploadId: params.get('uploadId') ?? '',
          PartNumber: Number(params.get('partNumber')),
          Body: body,
        }),
      );
      const result = `<?xml version="1.0" encoding="UTF-8"?><CopyPartResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LastModified>${new Date().toISOString()}</LastModified><ETag>${(part.ETag ?? '').replace(/"/g, '&quot;')}</ETag></CopyPartResult>`;
      return reply.code(200).header('content-type', 'application/xml').send(result);
    } catch (error) {
      if (statusOf(error) === 404)
        return fail(
          reply,
          404,
          'NoSuchUpload',
          'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        );
      throw error;
    }
  });
}
