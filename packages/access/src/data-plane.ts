/**
 * The data plane's permissions, defined once over plain ARNs: each worker's role policy, the
 * bucket's and the work queues' resource policies, and the KEDA operator's read access. Infra
 * renders these documents (wrapped in `pulumi.all`), the local emulator enforces the very same
 * documents on every request, and the tests simulate them.
 */
import { type Operation, inputPrefix, outputPrefix } from '@darkroom/pipeline-spec';
import {
  type PolicyDocument,
  type PolicyStatement,
  bucketKeyThroughS3,
  denyInsecureTransport,
  policyDocument,
} from './policy.ts';

export interface WorkerAccessArgs {
  readonly operation: Operation;
  readonly bucketArn: string;
  readonly queueArn: string;
  readonly deadLetterQueueArn: string;
  /** The bucket's customer-managed key, when it uses SSE-KMS. */
  readonly bucketKmsKeyArn?: string | undefined;
  readonly region: string;
}

/** Actions a worker needs on its own work queue (sqs-consumer receive, delete, heartbeat). */
export const WORKER_QUEUE_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
] as const;

/**
 * What one worker may do, and nothing more: read its input prefix; read, write and abort
 * multipart uploads under its output prefix; list only its output prefix (S3 answers a HEAD of a
 * missing key with 403 unless the caller may list that key, and the worker's idempotency check
 * relies on the 404); consume its queue; dead-letter to its own DLQ; use the bucket's KMS key only
 * through S3 in this region.
 */
export function workerPolicy(args: WorkerAccessArgs): PolicyDocument {
  const output = outputPrefix(args.operation);
  const statements: PolicyStatement[] = [
    {
      Sid: 'ReadOwnInputs',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `${args.bucketArn}/${inputPrefix(args.operation)}*`,
    },
    {
      // DeleteObject: a result leaves with its source (deleted, or replaced by a non-photo).
      Sid: 'WriteOwnOutputs',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      Resource: `${args.bucketArn}/${output}*`,
    },
    {
      // Every prefix it reads: S3 answers a missing key with 404 only to a caller who may list
      // it, and 403 otherwise (a photo deleted after its event would dead-letter as AccessDenied).
      Sid: 'ListOwnPrefixes',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: args.bucketArn,
      Condition: { StringLike: { 's3:prefix': [`${inputPrefix(args.operation)}*`, `${output}*`] } },
    },
    {
      Sid: 'ConsumeOwnQueue',
      Effect: 'Allow',
      Action: [...WORKER_QUEUE_ACTIONS],
      Resource: args.queueArn,
    },
    {
      Sid: 'DeadLetterToOwnDlq',
      Effect: 'Allow',
      Action: 'sqs:SendMessage',
      Resource: args.deadLetterQueueArn,
    },
  ];
  if (args.bucketKmsKeyArn) statements.push(bucketKeyThroughS3(args.bucketKmsKeyArn, args.region));
  return policyDocument(statements);
}

/** The bucket policy: nothing over plain HTTP. */
export function bucketPolicy(bucketArn: string): PolicyDocument {
  return policyDocument([denyInsecureTransport('s3', [bucketArn, `${bucketArn}/*`])]);
}

/**
 * A work queue's resource policy: S3 may send event notifications from this bucket, in this
 * account, and nobody may use the queue over plain HTTP. S3 validates this when the bucket
 * notification is created, so the notification must be created after the policy.
 */
export function workQueuePolicy(args: {
  readonly queueArn: string;
  readonly bucketArn: string;
  readonly accountId: string;
}): PolicyDocument {
  return policyDocument([
    {
      Sid: 'OnlyThisBucketSends',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: args.queueArn,
      Condition: {
        ArnEquals: { 'aws:SourceArn': args.bucketArn },
        StringEquals: { 'aws:SourceAccount': args.accountId },
      },
    },
    denyInsecureTransport('sqs', args.queueArn),
  ]);
}

/** The KEDA operator reads queue depth (visible + in flight) of the work queues, nothing else. */
export function kedaOperatorPolicy(queueArns: readonly string[]): PolicyDocument {
  return policyDocument([
    {
      Sid: 'ReadQueueDepth',
      Effect: 'Allow',
      Action: 'sqs:GetQueueAttributes',
      Resource: [...queueArns],
    },
  ]);
}
