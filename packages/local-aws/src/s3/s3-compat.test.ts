/**
 * S3 behaviour common clients rely on (boto3, the AWS CLI, rclone, browsers), each through the
 * real SDK (or a signed raw request where the SDK cannot send what those clients send), against
 * the emulator with IAM on. A test failing here is a tool that breaks on `npm start`.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../index.ts';
import { useEmulator } from '../testing/emulator-kit.ts';
import { signedFetch } from '../testing/signed-fetch.ts';

const { aws } = useEmulator();
const B = 'compat';
const bucket = () => aws().s3.send(new CreateBucketCommand({ Bucket: B }));
const put = (Key: string, Body: string | Buffer = 'x') =>
  aws().s3.send(new PutObjectCommand({ Bucket: B, Key, Body }));
const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

describe('writes', () => {
  it('a PUT with no body and no Content-Type (aws s3api put-object --key k) stores a zero-byte object, not a 500', async () => {
    await bucket();
    const response = await signedFetch(aws(), 'PUT', `/${B}/empty`);
    expect(response.status).toBe(200);
    const head = await aws().s3.send(new HeadObjectCommand({ Bucket: B, Key: 'empty' }));
    expect(head.ContentLength).toBe(0);
  });

  it('UploadPartCopy copies a whole object or a byte range into a part (rclone and the CLI copy large files so)', async () => {
    await bucket();
    const source = Buffer.alloc(6 * 1024 * 1024, 'a');
    source.write('tail', source.length - 4);
    await put('big', source);
    const { UploadId } = await aws().s3.send(
      new CreateMultipartUploadCommand({ Bucket: B, Key: 'copy' }),
    );
    const first = await aws().s3.send(
      new UploadPartCopyCommand({
        Bucket: B,
        Key: 'copy',
        UploadId,
        PartNumber: 1,
        CopySource: `${B}/big`,
      }),
    );
    const second = await aws().s3.send(
      new UploadPartCopyCommand({
        Bucket: B,
        Key: 'copy',
        UploadId,
        PartNumber: 2,
        CopySource: `${B}/big`,
        CopySourceRange: `bytes=${source.length - 4}-${source.length - 1}`,
      }),
    );
    await aws().s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: B,
        Key: 'copy',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: first.CopyPartResult?.ETag },
            { PartNumber: 2, ETag: second.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    const copied = await aws().s3.send(new GetObjectCommand({ Bucket: B, Key: 'copy' }));
    const bytes = Buffer.from((await copied.Body?.transformToByteArray()) ?? []);
    expect(bytes.length).toBe(source.length + 4);
    expect(bytes.subarray(-8).toString()).toBe('tailtail');
    const missing = await aws()
      .s3.send(
        new UploadPartCopyCommand({
          Bucket: B,
          Key: 'copy',
          UploadId: 'nope',
          PartNumber: 1,
          CopySource: `${B}/absent`,
        }),
      )
      .catch((e: unknown) => e);
    expect(statusOf(missing)).toBe(404);
  });

  it('ListParts lists the parts stored of an unfinished upload (how an interrupted upload resumes), and none once it is aborted', async () => {
    await bucket();
    const { UploadId } = await aws().s3.send(
      new CreateMultipartUploadCommand({ Bucket: B, Key: 'part/x.jpg' }),
    );
    const part = await aws().s3.send(
      new UploadPartCommand({
        Bucket: B,
        Key: 'part/x.jpg',
        UploadId,
        PartNumber: 1,
        Body: Buffer.alloc(1234),
      }),
    );
    const listed = await aws().s3.send(
      new ListPartsCommand({ Bucket: B, Key: 'part/x.jpg', UploadId }),
    );
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, 1234, part.ETag],
    ]);
    await aws().s3.send(
      new AbortMultipartUploadCommand({ Bucket: B, Key: 'part/x.jpg', UploadId }),
    );
    const gone = await aws()
      .s3.send(new ListPartsCommand({ Bucket: B, Key: 'part/x.jpg', UploadId }))
      .catch((e: unknown) => e);
    expect(statusOf(gone)).toBe(404);
  });

  it("If-None-Match with an ETag on PUT answers S3's own 501 NotImplemented (only * is supported), never a 500", async () => {
    await bucket();
    const { ETag } = await put('k');
    const error = await aws()
      .s3.send(new PutObjectCommand({ Bucket: B, Key: 'k', Body: 'y', IfNoneMatch: ETag }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'NotImplemented' });
    expect(statusOf(error)).toBe(501);
  });
});

describe('object headers and metadata', () => {
  it('keeps Cache-Control, Expires, Content-Disposition, -Language, -Encoding and empty metadata, through a copy too', async () => {
    await bucket();
    await aws().s3.send(
      new PutObjectCommand({
        Bucket: B,
        Key: 'm',
        Body: 'x',
        Metadata: { camera: 'x100', empty: '' },
        CacheControl: 'max-age=60',
        Expires: new Date('2030-01-01T00:00:00Z'),
        ContentDisposition: 'attachment; filename="m.jpg"',
        ContentLanguage: 'fr',
        ContentEncoding: 'identity',
      }),
    );
    await aws().s3.send(new CopyObjectCommand({ Bucket: B, Key: 'm2', CopySource: `${B}/m` }));
    for (const Key of ['m', 'm2']) {
      const head = await aws().s3.send(new HeadObjectCommand({ Bucket: B, Key }));
      expect(head).toMatchObject({
        Metadata: { camera: 'x100', empty: '' },
        CacheControl: 'max-age=60',
        ContentDisposition: 'attachment; filename="m.jpg"',
        ContentLanguage: 'fr',
        ContentEncoding: 'identity',
      });
      expect(head.Expires?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    }
    await put('m', 'overwritten without headers');
    expect(
      (await aws().s3.send(new HeadObjectCommand({ Bucket: B, Key: 'm' }))).CacheControl,
    ).toBeUndefined();
  });

  it('stores non-ASCII metadata sent as UTF-8 bytes (as boto3 sends it) and answers it RFC 2047-encoded, as S3 does', async () => {
    await bucket();
    const utf8AsHeader = Buffer.from('Zoë · 東京', 'utf8').toString('latin1');
    expect(
      (await signedFetch(aws(), 'PUT', `/${B}/u`, { 'x-amz-meta-place': utf8AsHeader }, 'x'))
        .status,
    ).toBe(200);
    const head = await aws().s3.send(new HeadObjectCommand({ Bucket: B, Key: 'u' }));
    expect(head.Metadata?.['place']).toBe(
      `=?UTF-8?B?${Buffer.from('Zoë · 東京').toString('base64')}?=`,
    );
  });
});

describe('listings', () => {
  it('ListObjectVersions on an unversioned bucket lists each object once with VersionId "null", so clients can empty a bucket through its versions', async () => {
    await bucket();
    for (const key of ['a/1.jpg', 'a/2.jpg', 'b.jpg']) await put(key);
    const listed = await aws().s3.send(new ListObjectVersionsCommand({ Bucket: B }));
    expect(listed.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([
      ['a/1.jpg', 'null', true],
      ['a/2.jpg', 'null', true],
      ['b.jpg', 'null', true],
    ]);
    const folders = await aws().s3.send(
      new ListObjectVersionsCommand({ Bucket: B, Delimiter: '/', MaxKeys: 1 }),
    );
    expect([
      folders.CommonPrefixes?.map((p) => p.Prefix),
      folders.IsTruncated,
      folders.NextKeyMarker,
    ]).toEqual([['a/'], true, 'a/']);
    await aws().s3.send(
      new DeleteObjectsCommand({
        Bucket: B,
        Delete: {
          Objects: (listed.Versions ?? []).map((v) => ({ Key: v.Key, VersionId: v.VersionId })),
        },
      }),
    );
    expect((await aws().s3.send(new ListObjectsV2Command({ Bucket: B }))).KeyCount).toBe(0);
  });

  it('orders common prefixes by UTF-8 bytes like the keys (a～/ before a😀/), as S3 orders every listing', async () => {
    await bucket();
    for (const key of ['a\u{1F600}/y.jpg', 'a\uFF5E/x.jpg', 'photos/p.jpg']) await put(key);
    const listed = await aws().s3.send(new ListObjectsV2Command({ Bucket: B, Delimiter: '/' }));
    expect(listed.CommonPrefixes?.map((p) => p.Prefix)).toEqual([
      'a\uFF5E/',
      'a\u{1F600}/',
      'photos/',
    ]);
  });

  it('encoding-type=url encodes keys and prefixes in the answer and says so (boto3 and the CLI always ask, then decode)', async () => {
    await bucket();
    await put('sp ace/é+.jpg');
    const flat = await aws().s3.send(new ListObjectsV2Command({ Bucket: B, EncodingType: 'url' }));
    expect([flat.EncodingType, flat.Contents?.map((c) => c.Key)]).toEqual([
      'url',
      ['sp+ace/%C3%A9%2B.jpg'],
    ]);
    const folders = await aws().s3.send(
      new ListObjectsV2Command({ Bucket: B, EncodingType: 'url', Delimiter: '/' }),
    );
    expect(folders.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['sp+ace/']);
    const plain = await aws().s3.send(new ListObjectsV2Command({ Bucket: B }));
    expect(plain.Contents?.map((c) => c.Key)).toEqual(['sp ace/é+.jpg']);
  });
});

describe('presigned requests', () => {
  it('a presigned GET works until X-Amz-Expires, then answers 403 "Request has expired" (a link handed out never works for ever)', async () => {
    await bucket();
    await put('p.jpg', 'photo');
    const url = await getSignedUrl(aws().s3, new GetObjectCommand({ Bucket: B, Key: 'p.jpg' }), {
      expiresIn: 1,
    });
    expect(await (await fetch(url)).text()).toBe('photo');
    await new Promise((r) => setTimeout(r, 2_100));
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toMatch(
      /<Code>AccessDenied<\/Code><Message>Request has expired<\/Message><X-Amz-Expires>1<\/X-Amz-Expires>/,
    );
  });

  it('refuses an expiry over a week (400 AuthorizationQueryParametersError), as S3 does', async () => {
    await bucket();
    const url = new URL(
      await getSignedUrl(aws().s3, new GetObjectCommand({ Bucket: B, Key: 'p.jpg' }), {
        expiresIn: 60,
      }),
    );
    url.searchParams.set('X-Amz-Expires', '604801');
    const response = await fetch(url);
    expect([response.status, (await response.text()).match(/<Code>([^<]+)/)?.[1]]).toEqual([
      400,
      'AuthorizationQueryParametersError',
    ]);
  });

  it('a browser POST with a policy from the AWS SDK (createPresignedPost) stores the file; a key outside its prefix, a bigger file or a forged signature is refused', async () => {
    await bucket();
    const { url, fields } = await createPresignedPost(aws().s3, {
      Bucket: B,
      Key: 'input/thumbnail/client-a/${filename}',
      Conditions: [
        ['starts-with', '$key', 'input/thumbnail/client-a/'],
        ['content-length-range', 1, 100],
      ],
      Expires: 60,
    });
    const post = (form: Record<string, string>, file: string) => {
      const body = new FormData();
      for (const [k, v] of Object.entries(form)) body.append(k, v);
      body.append('file', new Blob([file], { type: 'image/jpeg' }), 'kite.jpg');
      return fetch(url, { method: 'POST', body });
    };
    expect((await post(fields, 'jpeg bytes')).status).toBe(204);
    const stored = await aws().s3.send(
      new GetObjectCommand({ Bucket: B, Key: 'input/thumbnail/client-a/kite.jpg' }),
    );
    expect(await stored.Body?.transformToString()).toBe('jpeg bytes');
    const other = await post({ ...fields, key: 'input/thumbnail/client-b/kite.jpg' }, 'x');
    expect([other.status, await other.text()]).toEqual([
      403,
      expect.stringContaining('Policy Condition failed'),
    ]);
    expect((await post(fields, 'x'.repeat(101))).status).toBe(400);
    const forged = await post({ ...fields, 'X-Amz-Signature': '0'.repeat(64) }, 'x');
    expect([forged.status, await forged.text()]).toEqual([
      403,
      expect.stringContaining('SignatureDoesNotMatch'),
    ]);
    expect(LOCAL_CREDENTIALS.accessKeyId).toBe('darkroom-local');
  });
});
