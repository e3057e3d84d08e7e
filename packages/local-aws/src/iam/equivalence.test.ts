import { bucketPolicy, decide } from '@darkroom/access';
import { OPERATIONS } from '@darkroom/pipeline-spec';
import { describe, expect, it } from 'vitest';
import { AccessControl } from './access-control.ts';
import { adminPrincipal, workerPrincipal, LOCAL_ACCOUNT_ID } from './principals.ts';
import type { AccessCheck } from './request-map.ts';

const bucketArn = 'arn:aws:s3:::darkroom-local';
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:${LOCAL_ACCOUNT_ID}:${name}`;
const principals = [
  adminPrincipal({ accessKeyId: 'admin', secretAccessKey: 'admin' }),
  ...OPERATIONS.map((operation) =>
    workerPrincipal({
      operation,
      bucketArn,
      queueArn: queueArn(`darkroom-${operation}`),
      deadLetterQueueArn: queueArn(`darkroom-${operation}-dlq`),
      region: 'us-east-1',
    }),
  ),
];

const prefixes = [
  '',
  'input/',
  'output/',
  'other/',
  ...OPERATIONS.flatMap((op) => [`input/${op}/`, `output/${op}/`, `Output/${op}/`, `input/${op}`]),
];
const names = ['', 'a.jpg', 'x/y z+1.jpg', '*?', 'ünï.jpg'];
const checks: AccessCheck[] = prefixes.flatMap((prefix) =>
  names.flatMap((name): AccessCheck[] => [
    ...['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload']
      .map((action) => ({ action, resource: `${bucketArn}/${prefix}${name}`, context: {} }))
      .filter(() => `${prefix}${name}` !== ''), // `bucket/` is not an object
    { action: 's3:ListBucket', resource: bucketArn, context: { 's3:prefix': `${prefix}${name}` } },
    {
      action: 's3:ListBucket',
      resource: bucketArn,
      context: { 's3:prefix': `${prefix}${name}`, 's3:delimiter': '/' },
    },
  ]),
);

describe('the decision cache keyed by what policies can see', () => {
  it('decides every request exactly as a fresh simulation does, for every worker policy and the admin', async () => {
    const access = new AccessControl({ enforce: true });
    for (const p of principals) access.addPrincipal(p);
    access.setResourcePolicy(bucketArn, bucketPolicy(bucketArn));
    let compared = 0;
    for (const principal of principals) {
      for (const check of [...checks].reverse()) {
        const cached = await access.check(principal, 'test', check);
        // decide() reads the key literally, as AWS does (see literalResource in @darkroom/access).
        const fresh = await decide(
          {
            principal: principal.arn,
            action: check.action,
            resource: check.resource,
            resourceAccount: LOCAL_ACCOUNT_ID,
            context: { ...check.context, 'aws:SecureTransport': 'true' },
          },
          { identity: principal.policies, resource: bucketPolicy(bucketArn) },
        );
        expect(
          cached.allowed,
          `${principal.arn} ${check.action} ${check.resource} ${JSON.stringify(check.context)}`,
        ).toBe(fresh === 'Allowed');
        compared++;
      }
    }
    // …while simulating only a fraction of them (one per class of indistinguishable requests).
    expect(access.evaluations).toBeLessThan(compared / 4);
  });

  it('reads * and ? in an object key as the ordinary characters they are in S3, not as wildcards', async () => {
    const access = new AccessControl({ enforce: true });
    const grayscale = principals[1];
    if (!grayscale) throw new Error('no grayscale principal');
    const get = (key: string) =>
      access.check(grayscale, 'GetObject', {
        action: 's3:GetObject',
        resource: `${bucketArn}/${key}`,
        context: {},
      });
    expect((await get('input/grayscale*')).allowed).toBe(false);
    expect((await get('input/gr?yscale/a.jpg')).allowed).toBe(false);
    expect((await get('input/grayscale/a*b?.jpg')).allowed).toBe(true);
  });
});
