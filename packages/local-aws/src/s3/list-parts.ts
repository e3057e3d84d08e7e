/**
 * `ListParts` (the parts S3 holds of an unfinished multipart upload, so an interrupted upload
 * resumes where it stopped), which fauxqs answers as a GetObject (404). The emulator remembers
 * each part a successful UploadPart (or UploadPartCopy) stored, until the upload is completed or
 * aborted, and answers `<ListPartsResult>` as S3 does (paginated by part number).
 * (docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html)
 *
 * Contract: an onSend hook that records parts, and a preHandler answering `GET ?uploadId` on a
 * key, after IAM judged it (s3:ListMultipartUploadParts).
 */
import type { FastifyInstance } from 'fastify';
import { s3ErrorXml } from '../s3-errors.ts';
import { objectRequestOf } from './object-writes.ts';
import { element } from './xml-text.ts';

interface StoredPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
  readonly lastModified: Date;
}

export function listPartsXml(
  bucket: string,
  key: string,
  uploadId: string,
  parts: readonly StoredPart[],
  marker: number,
  maxParts: number,
): string {
  const after = parts
    .filter((p) => p.partNumber > marker)
    .sort((a, b) => a.partNumber - b.partNumber);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  const body = page
    .map(
      (p) =>
        `<Part>${element('PartNumber', p.partNumber)}${element('LastModified', p.lastModified.toISOString())}${element('ETag', p.etag)}${element('Size', p.size)}</Part>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${element('Bucket', bucket)}${element('Key', key)}${element('UploadId', uploadId)}${element('PartNumberMarker', marker)}${element('NextPartNumberMarker', page.at(-1)?.partNumber ?? marker)}${element('MaxParts', maxParts)}<IsTruncated>${truncated}</IsTruncated>${body}</ListPartsResult>`;
}

export function installListParts(app: FastifyInstance): void {
  const uploads = new Map<string, Map<number, StoredPart>>();
  app.addHook('onSend', (request, reply, payload, done) => {
    const params = new URLSearchParams(request.url.split('?')[1] ?? '');
    const uploadId = params.get('uploadId');
    const ok = reply.statusCode >= 200 && reply.statusCode < 300;
    if (uploadId && ok && request.method === 'PUT' && params.has('partNumber')) {
      const copied =
        typeof payload === 'string'
          ? /<ETag>([^<]+)<\/ETag>/.exec(payload)?.[1]?.replace(/&quot;/g, '"')
          : undefined;
      const etag = String(reply.getHeader('etag') ?? copied ?? '');
      const size = Buffer.isBuffer(request.body)
        ? request.body.length
        : Number(request.headers['content-length'] ?? 0);
      const parts = uploads.get(uploadId) ?? new Map<number, StoredPart>();
      parts.set(Number(params.get('partNumber')), {
        partNumber: Number(params.get('partNumber')),
        etag,
        size,
        lastModified: new Date(),
      });
      uploads.set(uploadId, parts);
    } else if (uploadId && ok && (request.method === 'DELETE' || request.method === 'POST'))
      uploads.delete(uploadId);
    done(null, payload);
  });
  app.addHook('preHandler', async (request, reply) => {
    const params = new URLSearchParams(request.url.split('?')[1] ?? '');
    const uploadId = params.get('uploadId');
    const target = objectRequestOf(request.method, request.url, request.headers);
    if (request.method !== 'GET' || !uploadId || !target) return undefined;
    const parts = uploads.get(uploadId);
    reply.header('content-type', 'application/xml');
    if (!parts)
      return reply
        .code(404)
        .send(
          s3ErrorXml(
            'NoSuchUpload',
            'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
          ),
        );
    const maxParts = Math.min(1000, Number(params.get('max-parts') ?? 1000) || 1000);
    return reply
      .code(200)
      .send(
        listPartsXml(
          target.bucket,
          target.key,
          uploadId,
          [...parts.values()],
          Number(params.get('part-number-marker') ?? 0),
          maxParts,
        ),
      );
  });
}
