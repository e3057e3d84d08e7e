/**
 * The worker's S3 client as AWS sees its requests: what it signs. The requests are captured at
 * the SDK's HTTP handler, after checksums and signing, exactly as they would go on the wire.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { HttpHandlerOptions, RequestHandler } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { createAwsClients } from './aws.ts';

interface Captured {
  readonly headers: Record<string, string>;
}

/** A client for `endpoint` whose requests are captured instead of sent. */
function capturingS3(endpoint: string | undefined): {
  s3: ReturnType<typeof createAwsClients>['s3'];
  sent: Captured[];
} {
  const { s3 } = createAwsClients({ region: 'eu-west-1', endpoint });
  const sent: Captured[] = [];
  const handler: RequestHandler<{ headers: Record<string, string> }, unknown, HttpHandlerOptions> =
    {
      async handle(request) {
        sent.push({ headers: { ...request.headers } });
        return { response: { statusCode: 200, headers: { etag: '"e"' }, body: undefined } };
      },
    };
  Object.assign(s3.config, {
    requestHandler: handler,
    credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
  });
  return { s3, sent };
}

const put = new PutObjectCommand({
  Bucket: 'photos',
  Key: 'output/grayscale/a.jpg',
  Body: Buffer.alloc(64 * 1024, 1),
});

describe('what the worker asks of S3 when it downloads a source', () => {
  it("asks for no checksum, so it never validates S3's default CRC64NVME in JavaScript (2.8 ms of CPU per MB)", async () => {
    const { s3, sent } = capturingS3(undefined);
    // The captured response has no body to read; only the request matters here.
    await s3
      .send(new GetObjectCommand({ Bucket: 'photos', Key: 'input/grayscale/a.jpg' }))
      .catch(() => undefined);
    expect(sent).toHaveLength(1);
    // With the header S3 returns the object's stored checksum and the SDK checks the body
    // against it (flexible checksums, `responseChecksumValidation: WHEN_SUPPORTED`).
    expect(sent[0]?.headers).not.toHaveProperty('x-amz-checksum-mode');
  });
});

describe('what the worker signs when it uploads a result', () => {
  it('over TLS a checksummed result is not hashed for the signature (UNSIGNED-PAYLOAD), as botocore does for S3; its CRC32 still goes with it', async () => {
    const { s3, sent } = capturingS3(undefined); // https://s3.eu-west-1.amazonaws.com
    await s3.send(put);
    expect(sent[0]?.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(sent[0]?.headers['x-amz-checksum-crc32']).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    expect(sent[0]?.headers['authorization']).toMatch(/SignedHeaders=[^,]*x-amz-content-sha256/);
  });

  it('to the local emulator on the loopback interface the body is not hashed either', async () => {
    const { s3, sent } = capturingS3('http://127.0.0.1:4566');
    await s3.send(put);
    expect(sent[0]?.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
  });

  it('over plain HTTP to another host the body stays signed (its SHA-256 in the signature)', async () => {
    const { s3, sent } = capturingS3('http://s3.internal.example:9000');
    await s3.send(put);
    expect(sent[0]?.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a request without a body (the source GET) is left to the SDK', async () => {
    const { s3, sent } = capturingS3(undefined);
    await s3
      .send(new GetObjectCommand({ Bucket: 'photos', Key: 'input/grayscale/a.jpg' }))
      .catch(() => undefined);
    expect(sent[0]?.headers['x-amz-content-sha256']).not.toBe('UNSIGNED-PAYLOAD');
  });
});
