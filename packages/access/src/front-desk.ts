/**
 * The front desk's permissions (the clients' HTTPS API, services/front-desk): it presigns
 * uploads into `input/` and downloads from `input/` and `output/`, deletes a client's photos and
 * their results, reads client records and writes only their usage counters, lists those prefixes,
 * consumes the results queue (webhooks) and reads the worker DLQs without consuming them
 * (a photo's failure reason). A presigned URL can do no more than the role that signed it, so
 * this policy bounds every URL a client is ever given. Which client's prefix a request may touch
 * is the front desk's own rule (a token names one client), tested in its package.
 */
import { inputPrefix, outputPrefix } from '@darkroom/pipeline-spec';
import { OPERATIONS } from '@darkroom/pipeline-spec';
import {
  type PolicyDocument,
  type PolicyStatement,
  bucketKeyThroughS3,
  policyDocument,
} from './policy.ts';

export interface FrontDeskAccessArgs {
  readonly bucketArn: string;
  readonly resultsQueueArn: string;
  readonly deadLetterQueueArns: readonly string[];
  readonly bucketKmsKeyArn?: string | undefined;
  readonly region: string;
}

const inputs = (bucketArn: string) => OPERATIONS.map((op) => `${bucketArn}/${inputPrefix(op)}*`);
const outputs = (bucketArn: string) => OPERATIONS.map((op) => `${bucketArn}/${outputPrefix(op)}*`);

export function frontDeskPolicy(args: FrontDeskAccessArgs): PolicyDocument {
  const { bucketArn } = args;
  const statements: PolicyStatement[] = [
    {
      // Multipart for large photos: resumed from the parts S3 has, aborted when they do not add up.
      Sid: 'PresignUploads',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
      Resource: inputs(bucketArn),
    },
    {
      Sid: 'PresignDownloadsAndCopies',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: [...inputs(bucketArn), ...outputs(bucketArn)],
    },
    {
      // A client's DELETE takes the original and every result with it; nothing else is deletable.
      Sid: 'DeleteClientPhotos',
      Effect: 'Allow',
      Action: 's3:DeleteObject',
      Resource: [...inputs(bucketArn), ...outputs(bucketArn)],
    },
    {
      Sid: 'ReadClientRecords',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `${bucketArn}/clients/*`,
    },
    {
      Sid: 'CountUsage',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: `${bucketArn}/clients/*/usage/*`,
    },
    {
      Sid: 'ListClientPrefixes',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: bucketArn,
      // Each prefix it reads: a HEAD of a missing key is then 404, not 403 (as for the workers).
      Condition: {
        StringLike: {
          's3:prefix': [
            ...OPERATIONS.flatMap((op) => [`${inputPrefix(op)}*`, `${outputPrefix(op)}*`]),
            'clients/*',
          ],
        },
      },
    },
    {
      Sid: 'ConsumeResultsQueue',
      Effect: 'Allow',
      Action: [
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueAttributes',
      ],
      Resource: args.resultsQueueArn,
    },
    {
      // Seen and released (ChangeMessageVisibility 0), never deleted: failures stay for the operator.
      Sid: 'ReadFailureReasons',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility'],
      Resource: [...args.deadLetterQueueArns],
    },
  ];
  if (args.bucketKmsKeyArn) statements.push(bucketKeyThroughS3(args.bucketKmsKeyArn, args.region));
  return policyDocument(statements);
}
