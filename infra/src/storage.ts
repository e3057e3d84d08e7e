/**
 * Storage: the photo bucket (private, encrypted, owner-enforced, TLS-only, no expiry: originals
 * and results stay until users delete them) and, per operation from the pipeline spec, a work
 * queue + DLQ that only this bucket may write to, wired by one BucketNotification.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { bucketPolicy, workQueuePolicy } from '@darkroom/access';
import {
  DLQ_RETENTION_SECONDS,
  type Operation,
  type QueueTopology,
  RESULTS_MAX_RECEIVES,
  RESULTS_NOTIFICATION,
  describeTopology,
  resultsQueueNames,
} from '@darkroom/pipeline-spec';

/** Days after which S3 aborts a multipart upload nobody completed. */
export const ABANDONED_UPLOAD_DAYS = 1;

export interface PhotoStorageArgs {
  /** Prefix of queue names, e.g. `darkroom-dev`. */
  readonly namePrefix: string;
  readonly encryption: 'sse-s3' | 'sse-kms';
  readonly versioning: boolean;
  /** Days a noncurrent version is kept, when versioning is on. */
  readonly noncurrentVersionDays: number;
  /** Origins whose pages may call the bucket (the front desk's, and any configured). */
  readonly corsAllowedOrigins: readonly pulumi.Input<string>[];
  readonly forceDestroy: boolean;
}

export interface OperationQueues {
  readonly topology: QueueTopology;
  readonly queue: aws.sqs.Queue;
  readonly deadLetterQueue: aws.sqs.Queue;
}

type Parent = { readonly parent: pulumi.Resource };

/** Private and owner-enforced (no ACLs), readable only over TLS. */
function guardBucket(name: string, bucket: aws.s3.Bucket, { parent }: Parent): void {
  new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );
  new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } },
    { parent },
  );
  new aws.s3.BucketPolicy(
    `${name}-tls-only`,
    {
      bucket: bucket.id,
      policy: bucket.arn.apply((arn) => JSON.stringify(bucketPolicy(arn))),
    },
    { parent },
  );
}

/** SSE-S3, or SSE-KMS with a rotated key of its own; @returns that key's ARN. */
function encryptBucket(
  name: string,
  args: PhotoStorageArgs,
  bucket: aws.s3.Bucket,
  { parent }: Parent,
): pulumi.Output<string> | undefined {
  let kmsKeyArn: pulumi.Output<string> | undefined;
  if (args.encryption === 'sse-kms') {
    const key = new aws.kms.Key(
      `${name}-photos-key`,
      {
        description: `Photos in ${args.namePrefix}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
      },
      { parent },
    );
    kmsKeyArn = key.arn;
  }
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    {
      bucket: bucket.id,
      rules: [
        kmsKeyArn
          ? {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: 'aws:kms',
                kmsMasterKeyId: kmsKeyArn,
              },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
      ],
    },
    { parent },
  );
  return kmsKeyArn;
}

function versionBucket(
  name: string,
  args: PhotoStorageArgs,
  bucket: aws.s3.Bucket,
  { parent }: Parent,
): void {
  const versioning = new aws.s3.BucketVersioning(
    `${name}-versioning`,
    {
      bucket: bucket.id,
      versioningConfiguration: { status: args.versioning ? 'Enabled' : 'Suspended' },
    },
    { parent },
  );

  if (args.corsAllowedOrigins.length > 0) {
    new aws.s3.BucketCorsConfiguration(
      `${name}-cors`,
      {
        bucket: bucket.id,
        corsRules: [
          {
            // POST: the front desk's presigned browser uploads.
            allowedMethods: ['GET', 'PUT', 'POST', 'HEAD'],
            allowedOrigins: [...args.corsAllowedOrigins],
            allowedHeaders: ['*'],
            exposeHeaders: ['ETag'],
            maxAgeSeconds: 3000,
          },
        ],
      },
      { parent },
    );
  }
  // Photos never expire; only the parts of multipart uploads a drained or killed worker left
  // behind do (they are invisible in listings but billed as storage), and, with versioning,
  // the versions an overwrite or delete left behind (else kept, and paid, forever). One
  // configuration per bucket: S3 keeps only the last one written.
  new aws.s3.BucketLifecycleConfiguration(
    `${name}-abandoned-uploads`,
    {
      bucket: bucket.id,
      rules: [
        {
          id: 'abort-incomplete-multipart-uploads',
          status: 'Enabled',
          filter: {},
          abortIncompleteMultipartUpload: { daysAfterInitiation: ABANDONED_UPLOAD_DAYS },
        },
        ...(args.versioning
          ? [
              {
                id: 'expire-noncurrent-versions',
                status: 'Enabled',
                filter: {},
                noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
              },
            ]
          : []),
      ],
    },
    { parent, dependsOn: [versioning] },
  );
}

/** The queue's policy: this bucket may send it events, nothing else may (workQueuePolicy()). */
function bucketMaySend(
  name: string,
  queue: aws.sqs.Queue,
  bucket: aws.s3.Bucket,
  account: pulumi.Output<string>,
  { parent }: Parent,
): aws.sqs.QueuePolicy {
  const policy = pulumi
    .all([queue.arn, bucket.arn, account])
    .apply(([queueArn, bucketArn, accountId]) =>
      JSON.stringify(workQueuePolicy({ queueArn, bucketArn, accountId })),
    );
  return new aws.sqs.QueuePolicy(name, { queueUrl: queue.url, policy }, { parent });
}

/** One operation's work queue, its DLQ (redrive from that queue only) and the policy letting the bucket send. */
function createOperationQueues(
  name: string,
  topology: QueueTopology,
  bucket: aws.s3.Bucket,
  account: pulumi.Output<string>,
  { parent }: Parent,
): OperationQueues & { readonly policy: aws.sqs.QueuePolicy } {
  const op = topology.operation;
  const deadLetterQueue = new aws.sqs.Queue(
    `${name}-${op}-dlq`,
    {
      name: topology.deadLetterQueue,
      messageRetentionSeconds: topology.deadLetterRetentionSeconds,
      sqsManagedSseEnabled: true,
    },
    { parent },
  );
  const queue = new aws.sqs.Queue(
    `${name}-${op}-queue`,
    {
      name: topology.queue,
      visibilityTimeoutSeconds: topology.visibilityTimeoutSeconds,
      receiveWaitTimeSeconds: topology.receiveWaitSeconds,
      messageRetentionSeconds: topology.retentionSeconds,
      sqsManagedSseEnabled: true,
      redrivePolicy: pulumi.jsonStringify({
        deadLetterTargetArn: deadLetterQueue.arn,
        maxReceiveCount: topology.maxReceiveCount,
      }),
    },
    { parent },
  );
  new aws.sqs.RedriveAllowPolicy(
    `${name}-${op}-dlq-allow`,
    {
      queueUrl: deadLetterQueue.url,
      redriveAllowPolicy: pulumi.jsonStringify({
        redrivePermission: 'byQueue',
        sourceQueueArns: [queue.arn],
      }),
    },
    { parent },
  );
  const policy = bucketMaySend(`${name}-${op}-queue-policy`, queue, bucket, account, { parent });
  return { topology, queue, deadLetterQueue, policy };
}

/**
 * The front desk's results queue: S3 tells it of every new result (webhooks to clients); a
 * delivery that keeps failing waits in its DLQ. Only this bucket may send to it.
 */
function createResultsQueues(
  name: string,
  namePrefix: string,
  bucket: aws.s3.Bucket,
  account: pulumi.Output<string>,
  { parent }: Parent,
) {
  const names = resultsQueueNames(namePrefix);
  const deadLetterQueue = new aws.sqs.Queue(
    `${name}-results-dlq`,
    {
      name: names.deadLetterQueue,
      messageRetentionSeconds: DLQ_RETENTION_SECONDS,
      sqsManagedSseEnabled: true,
    },
    { parent },
  );
  const queue = new aws.sqs.Queue(
    `${name}-results-queue`,
    {
      name: names.queue,
      visibilityTimeoutSeconds: 60,
      receiveWaitTimeSeconds: 20,
      sqsManagedSseEnabled: true,
      redrivePolicy: pulumi.jsonStringify({
        deadLetterTargetArn: deadLetterQueue.arn,
        maxReceiveCount: RESULTS_MAX_RECEIVES,
      }),
    },
    { parent },
  );
  const policy = bucketMaySend(`${name}-results-queue-policy`, queue, bucket, account, { parent });
  return { queue, deadLetterQueue, policy };
}

export class PhotoStorage extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  /** KMS key of the bucket when `encryption` is `sse-kms`. */
  readonly kmsKeyArn: pulumi.Output<string> | undefined;
  readonly queues: { readonly [K in Operation]: OperationQueues };
  /** The front desk's results queue (new results → webhooks) and its DLQ. */
  readonly results: { readonly queue: aws.sqs.Queue; readonly deadLetterQueue: aws.sqs.Queue };

  constructor(name: string, args: PhotoStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super('darkroom:storage:PhotoStorage', name, {}, opts);
    const parent = { parent: this };
    const account = aws.getCallerIdentityOutput({}, parent);
    const bucket = new aws.s3.Bucket(
      `${name}-photos`,
      {
        bucketPrefix: `${args.namePrefix}-photos-`,
        forceDestroy: args.forceDestroy,
        tags: { 'darkroom.io/data': 'photos' },
      },
      parent,
    );
    this.bucket = bucket;
    guardBucket(name, bucket, parent);
    this.kmsKeyArn = encryptBucket(name, args, bucket, parent);
    versionBucket(name, args, bucket, parent);
    const created = describeTopology(args.namePrefix).map((topology) =>
      createOperationQueues(name, topology, bucket, account.accountId, parent),
    );
    this.queues = Object.fromEntries(
      created.map(({ policy: _, ...q }) => [q.topology.operation, q]),
    ) as { [K in Operation]: OperationQueues };
    const results = createResultsQueues(name, args.namePrefix, bucket, account.accountId, parent);
    this.results = { queue: results.queue, deadLetterQueue: results.deadLetterQueue };
    new aws.s3.BucketNotification(
      `${name}-notifications`,
      {
        bucket: bucket.id,
        queues: [
          ...created.map((q) => ({
            id: q.topology.notification.id,
            queueArn: q.queue.arn,
            events: [...q.topology.notification.events],
            filterPrefix: q.topology.notification.filterPrefix,
          })),
          {
            id: RESULTS_NOTIFICATION.id,
            queueArn: results.queue.arn,
            events: [...RESULTS_NOTIFICATION.events],
            filterPrefix: RESULTS_NOTIFICATION.filterPrefix,
          },
        ],
      },
      // S3 validates it may write to each queue when the notification is created.
      { parent: this, dependsOn: [...created.map((q) => q.policy), results.policy] },
    );
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}

/**
 * Create the bucket, queues, DLQs and notifications.
 * @example createPhotoStorage('storage', { namePrefix: 'darkroom-dev', encryption: 'sse-s3', versioning: false, corsAllowedOrigins: [], forceDestroy: true })
 */
export function createPhotoStorage(
  name: string,
  args: PhotoStorageArgs,
  opts?: pulumi.ComponentResourceOptions,
): PhotoStorage {
  return new PhotoStorage(name, args, opts);
}
