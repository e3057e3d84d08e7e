import { describe, expect, it } from 'vitest';
import { accessKeyIdOf } from './credentials.ts';
import { type RequestLike, mapRequest } from './request-map.ts';

const scope = { region: 'us-east-1', accountId: '000000000000' };
const QUEUE_URL = 'http://127.0.0.1:4566/000000000000/darkroom-thumbnail';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:darkroom-thumbnail';

const s3 = (method: string, url: string, extra: Partial<RequestLike> = {}) =>
  mapRequest({ method, url, headers: {}, ...extra }, scope);
const sqs = (operation: string, body: Record<string, unknown>) =>
  mapRequest(
    {
      method: 'POST',
      url: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `AmazonSQS.${operation}`,
      },
      body,
    },
    scope,
  );

describe('S3 requests → IAM action, resource, context', () => {
  it.each([
    ['GET', '/b/input/a%20b.jpg', 'GetObject', 's3:GetObject', 'arn:aws:s3:::b/input/a b.jpg'],
    ['HEAD', '/b/k', 'HeadObject', 's3:GetObject', 'arn:aws:s3:::b/k'],
    ['PUT', '/b/k', 'PutObject', 's3:PutObject', 'arn:aws:s3:::b/k'],
    ['PUT', '/b/k?partNumber=1&uploadId=u', 'UploadPart', 's3:PutObject', 'arn:aws:s3:::b/k'],
    ['POST', '/b/k?uploads', 'CreateMultipartUpload', 's3:PutObject', 'arn:aws:s3:::b/k'],
    ['POST', '/b/k?uploadId=u', 'CompleteMultipartUpload', 's3:PutObject', 'arn:aws:s3:::b/k'],
    [
      'DELETE',
      '/b/k?uploadId=u',
      'AbortMultipartUpload',
      's3:AbortMultipartUpload',
      'arn:aws:s3:::b/k',
    ],
    ['DELETE', '/b/k', 'DeleteObject', 's3:DeleteObject', 'arn:aws:s3:::b/k'],
    ['PUT', '/b', 'CreateBucket', 's3:CreateBucket', 'arn:aws:s3:::b'],
    ['HEAD', '/b', 'HeadBucket', 's3:ListBucket', 'arn:aws:s3:::b'],
    [
      'PUT',
      '/b?notification',
      'PutBucketNotification',
      's3:PutBucketNotification',
      'arn:aws:s3:::b',
    ],
    ['PUT', '/b?policy', 'PutBucketPolicy', 's3:PutBucketPolicy', 'arn:aws:s3:::b'],
    ['GET', '/', 'ListBuckets', 's3:ListAllMyBuckets', '*'],
  ])('%s %s is %s: %s on %s', (method, url, operation, action, resource) => {
    const mapped = s3(method, url);
    expect(mapped?.operation).toBe(operation);
    expect(mapped?.checks).toEqual([{ action, resource, context: {} }]);
  });

  it('sets s3:prefix (and delimiter) for listings only when the request has them', () => {
    expect(s3('GET', '/b?list-type=2&prefix=output%2Fthumbnail%2F&delimiter=%2F')?.checks).toEqual([
      {
        action: 's3:ListBucket',
        resource: 'arn:aws:s3:::b',
        context: { 's3:prefix': 'output/thumbnail/', 's3:delimiter': '/' },
      },
    ]);
    expect(s3('GET', '/b/?list-type=2')?.checks[0]?.context).toEqual({});
    expect(s3('GET', '/b?prefix=x')?.operation).toBe('ListObjects');
  });

  it('asks for s3:ListBucket with the key as s3:prefix to decide 404 vs 403 on a missing key', () => {
    expect(s3('HEAD', '/b/output/thumbnail/a.jpg')?.missingKeyCheck).toEqual({
      action: 's3:ListBucket',
      resource: 'arn:aws:s3:::b',
      context: { 's3:prefix': 'output/thumbnail/a.jpg' },
    });
    expect(s3('PUT', '/b/k')?.missingKeyCheck).toBeUndefined();
  });

  it('checks both the source read and the target write of a copy', () => {
    const mapped = s3('PUT', '/b/out/k', {
      headers: { 'x-amz-copy-source': '/b/in/a%20b.jpg' },
    });
    expect(mapped?.operation).toBe('CopyObject');
    expect(mapped?.checks.map((c) => [c.action, c.resource])).toEqual([
      ['s3:PutObject', 'arn:aws:s3:::b/out/k'],
      ['s3:GetObject', 'arn:aws:s3:::b/in/a b.jpg'],
    ]);
  });

  it('authorises DeleteObjects per key', () => {
    const body = Buffer.from(
      '<Delete><Object><Key>a</Key></Object><Object><Key>b/c</Key></Object></Delete>',
    );
    expect(s3('POST', '/b?delete', { body })?.checks.map((c) => c.resource)).toEqual([
      'arn:aws:s3:::b/a',
      'arn:aws:s3:::b/b/c',
    ]);
  });
});

describe('SQS JSON requests → IAM action and queue ARN', () => {
  it.each([
    ['ReceiveMessage', 'sqs:ReceiveMessage'],
    ['DeleteMessage', 'sqs:DeleteMessage'],
    ['DeleteMessageBatch', 'sqs:DeleteMessage'],
    ['SendMessageBatch', 'sqs:SendMessage'],
    ['ChangeMessageVisibilityBatch', 'sqs:ChangeMessageVisibility'],
    ['GetQueueAttributes', 'sqs:GetQueueAttributes'],
    ['PurgeQueue', 'sqs:PurgeQueue'],
  ])('%s is %s on the queue of QueueUrl', (operation, action) => {
    expect(sqs(operation, { QueueUrl: QUEUE_URL })?.checks).toEqual([
      { action, resource: QUEUE_ARN, context: {} },
    ]);
  });

  it('derives the ARN from QueueName for CreateQueue/GetQueueUrl, and * for ListQueues', () => {
    expect(sqs('GetQueueUrl', { QueueName: 'darkroom-thumbnail' })?.checks[0]?.resource).toBe(
      QUEUE_ARN,
    );
    expect(sqs('ListQueues', {})?.checks[0]?.resource).toBe('*');
  });
});

describe('credentials', () => {
  it('reads the access key id from a SigV4 Authorization header or a presigned URL', () => {
    expect(
      accessKeyIdOf(
        {
          authorization:
            'AWS4-HMAC-SHA256 Credential=darkroom-local-thumbnail-worker/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=abc',
        },
        '',
      ),
    ).toBe('darkroom-local-thumbnail-worker');
    expect(
      accessKeyIdOf({}, 'X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request'),
    ).toBe('AKID');
    expect(accessKeyIdOf({}, '')).toBeUndefined();
  });
});
