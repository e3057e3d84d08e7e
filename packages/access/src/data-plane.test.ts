import { OPERATIONS } from '@darkroom/pipeline-spec';
import { describe, expect, it } from 'vitest';
import { bucketPolicy, kedaOperatorPolicy, workQueuePolicy, workerPolicy } from './data-plane.ts';
import { decide } from './simulate.ts';
import { workerRequests } from './testing/worker-requests.ts';

const account = '123456789012';
const region = 'eu-west-1';
const bucketArn = 'arn:aws:s3:::darkroom-dev-photos';
const queueArn = (op: string) => `arn:aws:sqs:${region}:${account}:darkroom-dev-${op}`;
const role = (op: string) => `arn:aws:iam::${account}:role/darkroom-${op}`;

describe.each(OPERATIONS)('the %s worker policy', (op) => {
  const args = {
    operation: op,
    bucketArn,
    queueArn: queueArn(op),
    deadLetterQueueArn: `${queueArn(op)}-dlq`,
    bucketKmsKeyArn: `arn:aws:kms:${region}:${account}:key/photos`,
    region,
  };
  const policy = workerPolicy(args);
  const cases = workerRequests({ ...args, principal: role(op), accountId: account });
  it.each(cases.map((c) => [c.expected, c.why, c]))('%s: a worker that %s', async (_e, _w, c) => {
    const resource = c.resourcePolicy ? { resource: c.resourcePolicy } : {};
    expect(await decide(c.request, { identity: [policy], ...resource })).toBe(c.expected);
  });

  it('omits the KMS grant when the bucket uses SSE-S3, so no key is usable', async () => {
    const plain = workerPolicy({ ...args, bucketKmsKeyArn: undefined });
    const request = {
      principal: role(op),
      action: 'kms:Decrypt',
      resource: args.bucketKmsKeyArn,
      resourceAccount: account,
      context: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
    };
    expect(await decide(request, { identity: [plain] })).toBe('ImplicitlyDenied');
  });
});

describe('resource policies', () => {
  const send = (sourceArn: string, secure = 'true') => ({
    principal: 's3.amazonaws.com',
    action: 'sqs:SendMessage',
    resource: queueArn('thumbnail'),
    resourceAccount: account,
    context: {
      'aws:SourceArn': sourceArn,
      'aws:SourceAccount': account,
      'aws:SecureTransport': secure,
    },
  });
  const policy = workQueuePolicy({
    queueArn: queueArn('thumbnail'),
    bucketArn,
    accountId: account,
  });

  it('lets S3 deliver this bucket’s upload events to the work queue (or no photo is ever processed)', async () => {
    expect(await decide(send(bucketArn), { resource: policy })).toBe('Allowed');
  });

  it('refuses events sent on behalf of another bucket (no one can inject work)', async () => {
    expect(await decide(send('arn:aws:s3:::someone-elses'), { resource: policy })).toBe(
      'ImplicitlyDenied',
    );
  });

  it('refuses plain-HTTP use of a queue and of the bucket, even by an allowed principal', async () => {
    expect(await decide(send(bucketArn, 'false'), { resource: policy })).toBe('ExplicitlyDenied');
    const get = {
      principal: role('thumbnail'),
      action: 's3:GetObject',
      resource: `${bucketArn}/input/thumbnail/a.jpg`,
      resourceAccount: account,
      context: { 'aws:SecureTransport': 'false' },
    };
    const identity = [
      workerPolicy({
        operation: 'thumbnail',
        bucketArn,
        queueArn: queueArn('thumbnail'),
        deadLetterQueueArn: `${queueArn('thumbnail')}-dlq`,
        region,
      }),
    ];
    expect(await decide(get, { identity, resource: bucketPolicy(bucketArn) })).toBe(
      'ExplicitlyDenied',
    );
    expect(
      await decide(
        { ...get, context: { 'aws:SecureTransport': 'true' } },
        { identity, resource: bucketPolicy(bucketArn) },
      ),
    ).toBe('Allowed');
  });

  it('lets KEDA read the depth of the work queues and nothing else', async () => {
    const keda = kedaOperatorPolicy(OPERATIONS.map(queueArn));
    const ask = (action: string, resource: string) =>
      decide(
        {
          principal: `arn:aws:iam::${account}:role/keda`,
          action,
          resource,
          resourceAccount: account,
        },
        { identity: [keda] },
      );
    for (const op of OPERATIONS)
      expect(await ask('sqs:GetQueueAttributes', queueArn(op))).toBe('Allowed');
    expect(await ask('sqs:ReceiveMessage', queueArn('thumbnail'))).toBe('ImplicitlyDenied');
    expect(await ask('sqs:GetQueueAttributes', `${queueArn('thumbnail')}-dlq`)).toBe(
      'ImplicitlyDenied',
    );
  });
});

describe('keys are literal, as S3 reads them', () => {
  it('does not let a key containing `*` borrow the wildcard of another prefix (no reading of input/grayscale* by pattern)', async () => {
    const policy = workerPolicy({
      operation: 'grayscale',
      bucketArn,
      queueArn: queueArn('grayscale'),
      deadLetterQueueArn: `${queueArn('grayscale')}-dlq`,
      region,
    });
    const get = (key: string) =>
      decide(
        {
          principal: role('grayscale'),
          action: 's3:GetObject',
          resource: `${bucketArn}/${key}`,
          resourceAccount: account,
        },
        { identity: [policy] },
      );
    expect(await get('input/grayscale/a*b?.jpg')).toBe('Allowed');
    expect(await get('input/grayscale*')).toBe('ImplicitlyDenied');
    expect(await get('input/*/a.jpg')).toBe('ImplicitlyDenied');
  });
});
