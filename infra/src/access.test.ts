/**
 * The data plane's rendered policies (from the program under mocks) judged by an IAM simulator
 * against the requests each component really makes, each allowed request with a denied twin.
 */
import { type PolicyDocument, decide } from '@darkroom/access';
import { workerRequests } from '@darkroom/access/testing';
import { OPERATIONS } from '@darkroom/pipeline-spec';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_ID, type MockedProgram, one, ofType } from './testing/mocks.ts';
import { runStack } from './testing/stacks.ts';

const REGION = 'eu-west-1';
const programs: Record<string, MockedProgram> = {};
beforeAll(async () => {
  programs['dev'] = (await runStack('dev')).program;
  programs['prod'] = (await runStack('prod')).program;
});

const document = (program: MockedProgram, type: string, part: string, field = 'policy') =>
  JSON.parse(String(one(program, type, part).inputs[field])) as PolicyDocument;
const roleArn = (part: string) => `arn:aws:iam::${ACCOUNT_ID}:role/${part}`;
const queueArn = (stack: string, op: string) =>
  `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:darkroom-${stack}-${op}`;
const bucketArn = (stack: string) => `arn:aws:s3:::darkroom-${stack}-photos-0123abcd`;

describe.each(['dev', 'prod'])('%s stack: each worker may do its job and nothing else', (stack) => {
  it.each(OPERATIONS)('the %s worker', async (op) => {
    const program = programs[stack] ?? expect.fail('stack not run');
    const policy = document(program, 'aws:iam/rolePolicy:RolePolicy', `${op}-worker-policy`);
    const kmsKey = ofType(program, 'aws:kms/key:Key', 'photos-key')[0];
    const cases = workerRequests({
      operation: op,
      principal: roleArn(`${op}-worker-role`),
      accountId: ACCOUNT_ID,
      bucketArn: bucketArn(stack),
      queueArn: queueArn(stack, op),
      deadLetterQueueArn: `${queueArn(stack, op)}-dlq`,
      bucketKmsKeyArn: kmsKey
        ? `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${kmsKey.name}`
        : undefined,
      region: REGION,
    });
    if (stack === 'prod') expect(cases.map((c) => c.request.action)).toContain('kms:Decrypt');
    const decisions = await Promise.all(
      cases.map(async (c) => ({
        why: c.why,
        decision: await decide(c.request, {
          identity: [policy],
          ...(c.resourcePolicy ? { resource: c.resourcePolicy } : {}),
        }),
      })),
    );
    expect(decisions).toEqual(cases.map((c) => ({ why: c.why, decision: c.expected })));
  });
});

describe('dev stack: resource policies', () => {
  const program = () => programs['dev'] ?? expect.fail('stack not run');

  it.each(OPERATIONS)(
    'S3 may deliver this bucket’s %s upload events, and nobody may send on behalf of another bucket',
    async (op) => {
      const policy = document(program(), 'aws:sqs/queuePolicy:QueuePolicy', `${op}-queue-policy`);
      const send = (sourceArn: string) =>
        decide(
          {
            principal: 's3.amazonaws.com',
            action: 'sqs:SendMessage',
            resource: queueArn('dev', op),
            resourceAccount: ACCOUNT_ID,
            context: {
              'aws:SourceArn': sourceArn,
              'aws:SourceAccount': ACCOUNT_ID,
              'aws:SecureTransport': 'true',
            },
          },
          { resource: policy },
        );
      expect(await send(bucketArn('dev'))).toBe('Allowed');
      expect(await send('arn:aws:s3:::another-bucket')).toBe('ImplicitlyDenied');
    },
  );

  it('the bucket refuses plain-HTTP reads even from a worker allowed to read', async () => {
    const request = {
      principal: roleArn('thumbnail-worker-role'),
      action: 's3:GetObject',
      resource: `${bucketArn('dev')}/input/thumbnail/a.jpg`,
      resourceAccount: ACCOUNT_ID,
    };
    const policies = {
      identity: [document(program(), 'aws:iam/rolePolicy:RolePolicy', 'thumbnail-worker-policy')],
      resource: document(program(), 'aws:s3/bucketPolicy:BucketPolicy', 'tls-only'),
    };
    const over = (secure: string) =>
      decide({ ...request, context: { 'aws:SecureTransport': secure } }, policies);
    expect(await over('true')).toBe('Allowed');
    expect(await over('false')).toBe('ExplicitlyDenied');
  });

  it('KEDA reads the depth of each work queue (or nothing ever scales) and nothing else', async () => {
    const policy = document(program(), 'aws:iam/rolePolicy:RolePolicy', 'keda-operator-policy');
    const ask = (action: string, resource: string) =>
      decide(
        { principal: roleArn('keda'), action, resource, resourceAccount: ACCOUNT_ID },
        { identity: [policy] },
      );
    for (const op of OPERATIONS)
      expect(await ask('sqs:GetQueueAttributes', queueArn('dev', op))).toBe('Allowed');
    expect(await ask('sqs:ReceiveMessage', queueArn('dev', 'thumbnail'))).toBe('ImplicitlyDenied');
    expect(await ask('sqs:GetQueueAttributes', `${queueArn('dev', 'thumbnail')}-dlq`)).toBe(
      'ImplicitlyDenied',
    );
  });

  it('EventBridge delivers spot interruption warnings from Karpenter’s rules only', async () => {
    const policy = document(
      program(),
      'aws:sqs/queuePolicy:QueuePolicy',
      'karpenter-interruptions-policy',
    );
    const send = (sourceArn: string) =>
      decide(
        {
          principal: 'events.amazonaws.com',
          action: 'sqs:SendMessage',
          resource: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:karpenter-interruptions`,
          resourceAccount: ACCOUNT_ID,
          context: { 'aws:SourceArn': sourceArn, 'aws:SecureTransport': 'true' },
        },
        { resource: policy },
      );
    const rule = `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/karpenter-spot-interruption`;
    expect(await send(rule)).toBe('Allowed');
    expect(await send(`arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/someone-elses`)).toBe(
      'ImplicitlyDenied',
    );
  });

  it('each IRSA role can be assumed by its own service account only', () => {
    for (const [role, subject] of [
      ...OPERATIONS.map((op) => [
        `${op}-worker-role`,
        `system:serviceaccount:darkroom:darkroom-${op}`,
      ]),
      ['karpenter-controller-role', 'system:serviceaccount:kube-system:karpenter'],
      ['keda-operator-role', 'system:serviceaccount:keda:keda-operator'],
    ]) {
      const trust = document(program(), 'aws:iam/role:Role', role ?? '', 'assumeRolePolicy');
      const host = 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
      // The condition keys are the issuer without its scheme: with `https://` in them, no token matches.
      expect(trust.Statement[0]?.Condition).toEqual({
        StringEquals: { [`${host}:sub`]: subject, [`${host}:aud`]: 'sts.amazonaws.com' },
      });
    }
  });
});
