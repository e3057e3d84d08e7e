import { describe, expect, it } from 'vitest';
import { frontDeskPolicy } from './front-desk.ts';
import { type AccessRequest, type Decision, decide } from './simulate.ts';

const account = '123456789012';
const region = 'eu-west-1';
const bucketArn = 'arn:aws:s3:::darkroom-dev-photos';
const resultsQueueArn = `arn:aws:sqs:${region}:${account}:darkroom-dev-results`;
const dlq = (op: string) => `arn:aws:sqs:${region}:${account}:darkroom-dev-${op}-dlq`;
const policy = frontDeskPolicy({
  bucketArn,
  resultsQueueArn,
  deadLetterQueueArns: ['grayscale', 'watermark', 'thumbnail'].map(dlq),
  region,
});
const base = {
  principal: `arn:aws:iam::${account}:role/darkroom-front-desk`,
  resourceAccount: account,
};
const s3 = (action: string, key: string): AccessRequest => ({
  ...base,
  action,
  resource: `${bucketArn}/${key}`,
});
const list = (prefix: string): AccessRequest => ({
  ...base,
  action: 's3:ListBucket',
  resource: bucketArn,
  context: { 's3:prefix': prefix },
});
const sqs = (action: string, resource: string): AccessRequest => ({ ...base, action, resource });

const cases: [string, AccessRequest, Decision][] = [
  [
    'resumes a large upload from the parts S3 has',
    s3('s3:ListMultipartUploadParts', 'input/thumbnail/client-a/big.jpg'),
    'Allowed',
  ],
  [
    'cannot list the parts of an upload outside input/',
    s3('s3:ListMultipartUploadParts', 'output/thumbnail/client-a/big.jpg'),
    'ImplicitlyDenied',
  ],
  [
    'presigns a client upload',
    s3('s3:PutObject', 'input/thumbnail/client-a/2026/p.jpg'),
    'Allowed',
  ],
  [
    'cannot presign a write of a result (a client forging an output)',
    s3('s3:PutObject', 'output/thumbnail/client-a/p.jpg'),
    'ImplicitlyDenied',
  ],
  [
    'cannot write outside input/ (a client storing anything)',
    s3('s3:PutObject', 'public/p.jpg'),
    'ImplicitlyDenied',
  ],
  [
    'presigns a download of an original',
    s3('s3:GetObject', 'input/grayscale/client-a/p.jpg'),
    'Allowed',
  ],
  [
    'presigns a download of a result',
    s3('s3:GetObject', 'output/watermark/client-a/p.jpg'),
    'Allowed',
  ],
  [
    'cannot presign a download outside input/ and output/',
    s3('s3:GetObject', 'backups/all.tar'),
    'ImplicitlyDenied',
  ],
  [
    "deletes a client's original (delete means delete)",
    s3('s3:DeleteObject', 'input/grayscale/client-a/p.jpg'),
    'Allowed',
  ],
  [
    "deletes a client's result with it",
    s3('s3:DeleteObject', 'output/thumbnail/client-a/p.jpg'),
    'Allowed',
  ],
  [
    'cannot delete a client record (tokens)',
    s3('s3:DeleteObject', 'clients/client-a.json'),
    'ImplicitlyDenied',
  ],
  [
    'cannot delete outside the photo prefixes (no bucket-wide delete)',
    s3('s3:DeleteObject', 'anything/else'),
    'ImplicitlyDenied',
  ],
  [
    'reads a client record to check a token',
    s3('s3:GetObject', 'clients/client-a.json'),
    'Allowed',
  ],
  [
    'cannot write a client record (minting its own tokens)',
    s3('s3:PutObject', 'clients/client-a.json'),
    'ImplicitlyDenied',
  ],
  [
    "counts a client's uploads",
    s3('s3:PutObject', 'clients/client-a/usage/2026-12-03.json'),
    'Allowed',
  ],
  ["lists a client's photos", list('input/thumbnail/client-a/'), 'Allowed'],
  ['cannot list the whole bucket', list(''), 'ImplicitlyDenied'],
  ['consumes the results queue (webhooks)', sqs('sqs:ReceiveMessage', resultsQueueArn), 'Allowed'],
  [
    'reads a failure reason from a worker DLQ',
    sqs('sqs:ReceiveMessage', dlq('thumbnail')),
    'Allowed',
  ],
  [
    'cannot delete a dead letter (the operator would lose the failure)',
    sqs('sqs:DeleteMessage', dlq('thumbnail')),
    'ImplicitlyDenied',
  ],
  [
    'cannot send into a work queue (fake work)',
    sqs('sqs:SendMessage', `arn:aws:sqs:${region}:${account}:darkroom-dev-thumbnail`),
    'ImplicitlyDenied',
  ],
];

describe('the front desk policy', () => {
  it.each(cases)('%s', async (_why, request, expected) => {
    expect(await decide(request, { identity: [policy] })).toBe(expected);
  });
});
