/**
 * The requests a worker makes in AWS, each paired with the request it must NOT be allowed (another
 * operation's prefix, another bucket, another queue), so a simulation of a worker policy can fail
 * both ways. Shared by the access tests (the pure documents) and the infra tests (the documents
 * the Pulumi program renders).
 */
import { OPERATIONS, type Operation, inputPrefix, outputPrefix } from '@darkroom/pipeline-spec';
import type { PolicyDocument } from '../policy.ts';
import type { AccessRequest, Decision } from '../simulate.ts';

export interface ExpectedDecision {
  /** What the user would lose (for allowed requests) or what would leak (for denied ones). */
  readonly why: string;
  readonly request: AccessRequest;
  readonly expected: Decision;
  /** The resource's own policy that AWS evaluates too (e.g. a KMS key policy). */
  readonly resourcePolicy?: PolicyDocument;
}

/**
 * The key policy KMS gives a key created without one: the account may delegate use of the key
 * to IAM policies (AWS KMS Developer Guide, "Default key policy").
 */
export function defaultKeyPolicy(accountId: string, partition = 'aws'): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}

export interface WorkerRequestArgs {
  readonly operation: Operation;
  readonly principal: string;
  readonly accountId: string;
  readonly bucketArn: string;
  readonly queueArn: string;
  readonly deadLetterQueueArn: string;
  readonly bucketKmsKeyArn?: string | undefined;
  readonly region: string;
}

/** Another operation than `op`, for the denied twins. */
export function otherOperation(op: Operation): Operation {
  return OPERATIONS[(OPERATIONS.indexOf(op) + 1) % OPERATIONS.length] as Operation;
}

/**
 * Allowed requests of a worker and their denied twins.
 * HeadObject of a missing output is evaluated by S3 as `s3:ListBucket` with `s3:prefix` set to the
 * key (S3 HeadObject docs, "Permissions"; Ceph mirrors it in ceph/ceph#68577).
 */
export function workerRequests(args: WorkerRequestArgs): ExpectedDecision[] {
  const { operation: op, bucketArn } = args;
  const other = otherOperation(op);
  const otherQueue = args.queueArn.replace(new RegExp(`${op}$`), other);
  const otherDlq = args.deadLetterQueueArn.replace(new RegExp(`${op}-dlq$`), `${other}-dlq`);
  const base = { principal: args.principal, resourceAccount: args.accountId };
  const s3 = (action: string, key: string, context?: AccessRequest['context']) => ({
    ...base,
    action,
    resource: `${bucketArn}/${key}`,
    ...(context ? { context } : {}),
  });
  const list = (prefix: string) => ({
    ...base,
    action: 's3:ListBucket',
    resource: bucketArn,
    context: { 's3:prefix': prefix },
  });
  const sqs = (action: string, resource: string) => ({ ...base, action, resource });
  const cases: ExpectedDecision[] = [
    ok('reads its source photo', s3('s3:GetObject', `${inputPrefix(op)}2026/a b+c.jpg`)),
    no('reads another operation’s sources', s3('s3:GetObject', `${inputPrefix(other)}a.jpg`)),
    no('overwrites an original', s3('s3:PutObject', `${inputPrefix(op)}a.jpg`)),
    ok('writes its result', s3('s3:PutObject', `${outputPrefix(op)}2026/a b+c.jpg`)),
    no('writes another operation’s results', s3('s3:PutObject', `${outputPrefix(other)}a.jpg`)),
    ok(
      'HEADs its existing result (idempotency check)',
      s3('s3:GetObject', `${outputPrefix(op)}a.jpg`),
    ),
    ok('gets 404, not 403, for a missing result', list(`${outputPrefix(op)}a.jpg`)),
    no('lists another operation’s results', list(`${outputPrefix(other)}a.jpg`)),
    ok('gets 404, not 403, for a source deleted after its event', list(`${inputPrefix(op)}a.jpg`)),
    no('lists another operation’s originals', list(inputPrefix(other))),
    ok(
      'aborts its interrupted multipart result',
      s3('s3:AbortMultipartUpload', `${outputPrefix(op)}big.jpg`),
    ),
    no(
      'aborts another operation’s upload',
      s3('s3:AbortMultipartUpload', `${outputPrefix(other)}big.jpg`),
    ),
    ok('removes the result of a deleted source', s3('s3:DeleteObject', `${outputPrefix(op)}a.jpg`)),
    no('deletes another operation’s result', s3('s3:DeleteObject', `${outputPrefix(other)}a.jpg`)),
    no('deletes an original', s3('s3:DeleteObject', `${inputPrefix(op)}a.jpg`)),
    ok('receives from its queue', sqs('sqs:ReceiveMessage', args.queueArn)),
    ok('deletes a finished message', sqs('sqs:DeleteMessage', args.queueArn)),
    ok('extends visibility while working', sqs('sqs:ChangeMessageVisibility', args.queueArn)),
    no('receives another operation’s messages', sqs('sqs:ReceiveMessage', otherQueue)),
    ok('dead-letters to its DLQ', sqs('sqs:SendMessage', args.deadLetterQueueArn)),
    no('dead-letters into another DLQ', sqs('sqs:SendMessage', otherDlq)),
    no('injects work into its own queue', sqs('sqs:SendMessage', args.queueArn)),
    no('purges its queue', sqs('sqs:PurgeQueue', args.queueArn)),
  ];
  if (args.bucketKmsKeyArn) {
    const kms = (via: string) => ({
      ...sqs('kms:Decrypt', args.bucketKmsKeyArn ?? ''),
      context: { 'kms:ViaService': via },
    });
    const resourcePolicy = defaultKeyPolicy(args.accountId);
    cases.push(
      {
        ...ok('decrypts a KMS-encrypted photo through S3', kms(`s3.${args.region}.amazonaws.com`)),
        resourcePolicy,
      },
      {
        ...no('uses the bucket key directly', kms(`sqs.${args.region}.amazonaws.com`)),
        resourcePolicy,
      },
    );
  }
  return cases;
}

function ok(why: string, request: AccessRequest): ExpectedDecision {
  return { why, request, expected: 'Allowed' };
}

function no(why: string, request: AccessRequest): ExpectedDecision {
  return { why, request, expected: 'ImplicitlyDenied' };
}
