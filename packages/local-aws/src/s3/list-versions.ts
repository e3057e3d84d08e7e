/**
 * `ListObjectVersions` on the emulator's unversioned buckets, which fauxqs answered with a plain
 * `ListBucketResult` (so clients that empty a bucket through its versions, `aws s3api
 * list-object-versions`, boto3's `bucket.object_versions.delete()`, found nothing). As S3 does for
 * a bucket that never had versioning: every object once, `VersionId` "null", `IsLatest` true;
 * prefix, delimiter, key-marker, max-keys and encoding-type honoured.
 * (docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html)
 *
 * Contract: a Fastify preHandler answering `GET /<bucket>?versions` only, after IAM judged it
 * (s3:ListBucketVersions); the listing is read with the emulator's own ListObjectsV2.
 */
import { ListObjectsV2Command, type ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import { encodeEventKey } from '@darkroom/pipeline-spec';
import type { FastifyInstance } from 'fastify';
import type { SelfClients } from '../self-clients.ts';
import { element } from './xml-text.ts';

const OWNER = '<Owner><ID>darkroom-local</ID><DisplayName>darkroom-local</DisplayName></Owner>';

export function versionsXml(
  bucket: string,
  params: URLSearchParams,
  page: ListObjectsV2CommandOutput,
): string {
  const url = params.get('encoding-type') === 'url';
  const text = (value: string | undefined) =>
    value !== undefined && url ? encodeEventKey(value) : value;
  const versions = (page.Contents ?? []).map(
    (o) =>
      `<Version>${element('Key', text(o.Key))}<VersionId>null</VersionId><IsLatest>true</IsLatest>${element('LastModified', o.LastModified?.toISOString())}${element('ETag', o.ETag)}${element('Size', o.Size)}${OWNER}<StorageClass>STANDARD</StorageClass></Version>`,
  );
  const prefixes = (page.CommonPrefixes ?? []).map(
    (p) => `<CommonPrefixes>${element('Prefix', text(p.Prefix))}</CommonPrefixes>`,
  );
  const last = page.Contents?.at(-1)?.Key ?? page.CommonPrefixes?.at(-1)?.Prefix;
  const next =
    page.IsTruncated && last !== undefined
      ? `${element('NextKeyMarker', text(last))}<NextVersionIdMarker>null</NextVersionIdMarker>`
      : '';
  return `<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${element('Name', bucket)}${element('Prefix', text(params.get('prefix') ?? ''))}${element('KeyMarker', text(params.get('key-marker') ?? ''))}<VersionIdMarker></VersionIdMarker>${element('MaxKeys', page.MaxKeys ?? 1000)}${element('Delimiter', text(params.get('delimiter') ?? undefined))}${url ? '<EncodingType>url</EncodingType>' : ''}<IsTruncated>${page.IsTruncated ? 'true' : 'false'}</IsTruncated>${next}${versions.join('')}${prefixes.join('')}</ListVersionsResult>`;
}

export function installListVersions(app: FastifyInstance, self: SelfClients): void {
  app.addHook('preHandler', async (request, reply) => {
    const [path = '', query = ''] = request.url.split('?');
    const params = new URLSearchParams(query);
    const bucket = decodeURIComponent(path.replace(/^\/|\/$/g, ''));
    if (
      request.method !== 'GET' ||
      !params.has('versions') ||
      bucket === '' ||
      bucket.includes('/')
    )
      return undefined;
    const maxKeys = Number(params.get('max-keys') ?? 1000);
    const page = await self.s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        ...(params.get('prefix') ? { Prefix: params.get('prefix') ?? '' } : {}),
        ...(params.get('delimiter') ? { Delimiter: params.get('delimiter') ?? '' } : {}),
        ...(params.get('key-marker') ? { StartAfter: params.get('key-marker') ?? '' } : {}),
        MaxKeys: Number.isInteger(maxKeys) && maxKeys >= 0 ? Math.min(maxKeys, 1000) : 1000,
      }),
    );
    return reply
      .code(200)
      .header('content-type', 'application/xml')
      .send(versionsXml(bucket, params, page));
  });
}
