/**
 * IAM as the real AWS SDK sees it: each worker's key against the emulator, with the policies
 * `createTopology()` attaches (the documents infra deploys), and AWS's answers for denials.
 */
import {
  GetBucketPolicyCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  ReceiveMessageCommand,
  SQSClient,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { bucketPolicy } from '@darkroom/access';
import { OPERATIONS, type Operation, inputPrefix, outputPrefix } from '@darkroom/pipeline-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../emulator.ts';
import { type CreatedTopology, createTopology } from '../topology.ts';
import { AccessControl } from './access-control.ts';
import { LOCAL_ACCOUNT_ID, adminPrincipal, withoutStatement } from './principals.ts';
import { mapRequest } from './request-map.ts';

const BUCKET = 'darkroom-iam-test';

interface Clients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
}

function clientsFor(aws: LocalAws, accessKeyId: string): Clients {
  const credentials = { accessKeyId, secretAccessKey: accessKeyId };
  const common = { region: aws.region, endpoint: aws.endpoint, credentials, maxAttempts: 1 };
  return { s3: new S3Client({ ...common, forcePathStyle: true }), sqs: new SQSClient(common) };
}

/** The error the SDK raised, reduced to what a caller branches on. */
async function failure(
  promise: Promise<unknown>,
): Promise<{ name: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the request to be refused');
}

describe('the emulator enforces the worker policies', () => {
  let aws: LocalAws;
  let topology: CreatedTopology;
  const workers = new Map<Operation, Clients>();

  beforeAll(async () => {
    aws = await startLocalAws();
    topology = await createTopology(aws, { bucket: BUCKET });
    for (const op of OPERATIONS)
      workers.set(op, clientsFor(aws, topology.queues[op].workerCredentials.accessKeyId));
    for (const op of OPERATIONS)
      await aws.s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: `${inputPrefix(op)}a.jpg`, Body: op }),
      );
  });
  afterAll(async () => {
    for (const c of workers.values()) {
      c.s3.destroy();
      c.sqs.destroy();
    }
    await aws.close();
  });

  const worker = (op: Operation): Clients => workers.get(op) as Clients;

  it.each(OPERATIONS)(
    'lets the %s worker read its input, write and HEAD its output, and see 404 for a missing result',
    async (op) => {
      const { s3 } = worker(op);
      const got = await s3.send(
        new GetObjectCommand({ Bucket: BUCKET, Key: `${inputPrefix(op)}a.jpg` }),
      );
      expect(await got.Body?.transformToString()).toBe(op);
      await s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: `${outputPrefix(op)}a.jpg`, Body: 'out' }),
      );
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: BUCKET, Key: `${outputPrefix(op)}a.jpg` }),
      );
      expect(head.ContentLength).toBe(3);
      expect(
        await failure(
          s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${outputPrefix(op)}missing.jpg` })),
        ),
      ).toEqual({ name: 'NotFound', status: 404 });
    },
  );

  const pairs = OPERATIONS.flatMap((op) =>
    OPERATIONS.filter((other) => other !== op).map((other) => [op, other] as const),
  );
  it.each(pairs)(
    'refuses the %s worker’s key on input/%s/ with 403 AccessDenied (least privilege)',
    async (op, other) => {
      const { s3 } = worker(op);
      expect(
        await failure(
          s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${inputPrefix(other)}a.jpg` })),
        ),
      ).toEqual({ name: 'AccessDenied', status: 403 });
      expect(
        await failure(
          s3.send(
            new PutObjectCommand({ Bucket: BUCKET, Key: `${outputPrefix(other)}x.jpg`, Body: 'x' }),
          ),
        ),
      ).toEqual({ name: 'AccessDenied', status: 403 });
      expect(
        await failure(
          worker(op).sqs.send(
            new ReceiveMessageCommand({ QueueUrl: topology.queues[other].queueUrl }),
          ),
        ),
      ).toEqual({ name: 'AccessDenied', status: 403 });
    },
  );

  it('answers 403 AccessDenied with S3’s XML body naming the session, action and resource', async () => {
    const session = aws.access.session(
      topology.queues.thumbnail.workerCredentials.accessKeyId,
      'thumbnail-1',
    );
    const response = await fetch(`${aws.endpoint}/${BUCKET}/${inputPrefix('grayscale')}a.jpg`, {
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=${session.accessKeyId}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0`,
      },
    });
    expect(response.status).toBe(403);
    const body = await response.text();
    expect(body).toContain('<Code>AccessDenied</Code>');
    expect(body).toContain(
      `User: arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/darkroom-thumbnail-worker/thumbnail-1 is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::${BUCKET}/input/grayscale/a.jpg" because no identity-based policy allows the s3:GetObject action`,
    );
  });

  it('does not let a worker list another operation’s originals or list without a prefix', async () => {
    const { s3 } = worker('thumbnail');
    expect(
      await failure(
        s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: inputPrefix('grayscale') })),
      ),
    ).toEqual({ name: 'AccessDenied', status: 403 });
    // Its own: so a source deleted after its event answers 404, not 403.
    await expect(
      s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: inputPrefix('thumbnail') })),
    ).resolves.toBeDefined();
    expect(await failure(s3.send(new ListObjectsV2Command({ Bucket: BUCKET })))).toEqual({
      name: 'AccessDenied',
      status: 403,
    });
    const own = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: outputPrefix('thumbnail') }),
    );
    expect(own.$metadata.httpStatusCode).toBe(200);
  });

  it('lets a worker dead-letter to its DLQ but not inject work into its own queue', async () => {
    const { sqs } = worker('watermark');
    const q = topology.queues.watermark;
    await sqs.send(new SendMessageCommand({ QueueUrl: q.deadLetterQueueUrl, MessageBody: 'x' }));
    expect(
      await failure(sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'x' }))),
    ).toEqual({ name: 'AccessDenied', status: 403 });
    expect(
      await failure(
        sqs.send(
          new SendMessageCommand({
            QueueUrl: topology.queues.grayscale.deadLetterQueueUrl,
            MessageBody: 'x',
          }),
        ),
      ),
    ).toEqual({ name: 'AccessDenied', status: 403 });
  });

  it('refuses an unknown access key as AWS does (S3 InvalidAccessKeyId, SQS InvalidClientTokenId)', async () => {
    const stranger = clientsFor(aws, 'AKIAUNKNOWNLOCALKEY0');
    expect(
      await failure(
        stranger.s3.send(
          new GetObjectCommand({ Bucket: BUCKET, Key: `${inputPrefix('grayscale')}a.jpg` }),
        ),
      ),
    ).toEqual({ name: 'InvalidAccessKeyId', status: 403 });
    expect(
      await failure(
        stranger.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: topology.queues.grayscale.queueUrl }),
        ),
      ),
    ).toEqual({ name: 'InvalidClientTokenId', status: 403 });
    stranger.s3.destroy();
    stranger.sqs.destroy();
  });

  it('keeps the bucket policy set through PutBucketPolicy, as infra sets it', async () => {
    const { Policy } = await aws.s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }));
    expect(JSON.parse(Policy ?? '{}').Statement[0]).toMatchObject({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
    });
  });

  it('refuses notifications to a queue whose policy does not name the bucket, like S3', async () => {
    const q = topology.queues.thumbnail;
    await aws.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: q.queueUrl,
        Attributes: {
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 's3.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: q.queueArn,
                Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:s3:::someone-else' } },
              },
            ],
          }),
        },
      }),
    );
    const configure = aws.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: BUCKET,
        NotificationConfiguration: {
          QueueConfigurations: [{ QueueArn: q.queueArn, Events: ['s3:ObjectCreated:*'] }],
        },
      }),
    );
    await expect(configure).rejects.toThrow(/Unable to validate the following destination/);
  });
});

describe('a missing key: 404 or 403 depending on s3:ListBucket, as S3 answers', () => {
  let aws: LocalAws;
  let s3: S3Client;
  beforeAll(async () => {
    aws = await startLocalAws();
    const topology = await createTopology(aws, {
      bucket: BUCKET,
      adjustWorkerPolicy: (op, policy) =>
        op === 'thumbnail' ? withoutStatement(policy, 'ListOwnPrefixes') : policy,
    });
    s3 = clientsFor(aws, topology.queues.thumbnail.workerCredentials.accessKeyId).s3;
  });
  afterAll(async () => {
    s3.destroy();
    await aws.close();
  });

  it('answers HEAD of a missing result with a bodiless 403 when the worker may not list it', async () => {
    // S3 sends no body for HEAD; SDK v3 then names the error 'Unknown' (only 404 becomes 'NotFound').
    expect(
      await failure(
        s3.send(
          new HeadObjectCommand({ Bucket: BUCKET, Key: `${outputPrefix('thumbnail')}x.jpg` }),
        ),
      ),
    ).toEqual({ name: 'Unknown', status: 403 });
  });

  it('answers GET of a missing result with 403 AccessDenied instead of NoSuchKey', async () => {
    expect(
      await failure(
        s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${outputPrefix('thumbnail')}x.jpg` })),
      ),
    ).toEqual({ name: 'AccessDenied', status: 403 });
  });

  it('still lets the runner (administrator) see NoSuchKey', async () => {
    expect(
      await failure(
        aws.s3.send(
          new GetObjectCommand({ Bucket: BUCKET, Key: `${outputPrefix('thumbnail')}x.jpg` }),
        ),
      ),
    ).toEqual({ name: 'NoSuchKey', status: 404 });
  });
});

describe('switches and transport', () => {
  it('accepts any key with enforcement off (--no-iam)', async () => {
    const aws = await startLocalAws({ iam: false });
    const stranger = clientsFor(aws, 'anything');
    await stranger.s3
      .send(new PutObjectCommand({ Bucket: 'x', Key: 'y', Body: 'z' }))
      .catch((e) => {
        expect((e as Error).name).toBe('NoSuchBucket'); // fauxqs answered: IAM let it through
      });
    stranger.s3.destroy();
    stranger.sqs.destroy();
    await aws.close();
  });

  it('applies the bucket policy’s deny of non-TLS requests when aws:SecureTransport is false', async () => {
    const bucketArn = `arn:aws:s3:::${BUCKET}`;
    const judge = async (secureTransport: boolean) => {
      const access = new AccessControl({ enforce: true, secureTransport });
      access.addPrincipal(adminPrincipal({ accessKeyId: 'admin', secretAccessKey: 'admin' }));
      access.setResourcePolicy(bucketArn, bucketPolicy(bucketArn));
      const request = mapRequest(
        { method: 'GET', url: `/${BUCKET}/input/thumbnail/a.jpg`, headers: {} },
        { region: 'us-east-1', accountId: LOCAL_ACCOUNT_ID },
      );
      if (!request) throw new Error('unmapped');
      return access.authorize('admin', request);
    };
    expect(await judge(true)).toEqual({ allowed: true });
    expect(await judge(false)).toMatchObject({
      allowed: false,
      denial: { decision: 'ExplicitlyDenied' },
    });
  });

  it('simulates once per class of requests the policies cannot tell apart, then answers from the cache', async () => {
    const access = new AccessControl({ enforce: true });
    access.addPrincipal(adminPrincipal({ accessKeyId: 'admin', secretAccessKey: 'admin' }));
    const scope = { region: 'us-east-1', accountId: LOCAL_ACCOUNT_ID };
    for (const [method, key] of [
      ['GET', 'a'],
      ['GET', 'a'],
      ['GET', 'b'],
      ['PUT', 'a'],
      ['PUT', 'c'],
    ] as const) {
      const request = mapRequest({ method, url: `/${BUCKET}/${key}`, headers: {} }, scope);
      if (!request) throw new Error('unmapped');
      await access.authorize('admin', request);
    }
    expect(access.evaluations).toBe(2); // s3:GetObject and s3:PutObject on any key
  });
});
