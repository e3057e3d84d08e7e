/**
 * Browser uploads with a POST policy, judged as S3 judges them: the SigV4 signature of the
 * base64 policy with the signer's secret, the policy's expiration, every condition
 * (exact match, `eq`, `starts-with`, `content-length-range`), and no form field the policy does
 * not mention. Pure functions; the route is post-object.ts.
 * (docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html,
 *  docs.aws.amazon.com/AmazonS3/latest/API/sigv4-post-example.html)
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export interface PostProblem {
  readonly status: 400 | 403;
  readonly code: string;
  readonly message: string;
}

const condition = z.union([
  z.record(z.string(), z.string()),
  z.tuple([z.enum(['eq', 'starts-with']), z.string(), z.string()]),
  z.tuple([z.literal('content-length-range'), z.number(), z.number()]),
]);
const policySchema = z.object({ expiration: z.string(), conditions: z.array(condition) });
export type PostPolicy = z.infer<typeof policySchema>;

/** Fields a policy never has to mention (docs: "Creating a POST Policy", conditions). */
const EXEMPT = new Set(['policy', 'x-amz-signature', 'file']);

/** hex(HMAC(signing key of `secret` for date/region/s3, policy)), the signature S3 expects. */
export function postPolicySignature(
  secret: string,
  date: string,
  region: string,
  policy: string,
): string {
  const hmac = (key: string | Buffer, data: string) =>
    createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), 's3'), 'aws4_request');
  return createHmac('sha256', signingKey).update(policy).digest('hex');
}

export function signatureMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

const denied = (message: string): PostProblem => ({
  status: 403,
  code: 'AccessDenied',
  message: `Invalid according to Policy: ${message}`,
});

export function parsePolicy(base64: string): PostPolicy | PostProblem {
  try {
    return policySchema.parse(JSON.parse(Buffer.from(base64, 'base64').toString('utf8')));
  } catch {
    return {
      status: 400,
      code: 'InvalidPolicyDocument',
      message: 'Invalid Policy: Invalid JSON or conditions.',
    };
  }
}

/** The first condition `fields` (names lower-cased, `bucket` included) and `size` break, if any. */
function failedCondition(
  policy: PostPolicy,
  fields: ReadonlyMap<string, string>,
  size: number,
): PostProblem | undefined {
  for (const c of policy.conditions) {
    if (!Array.isArray(c)) {
      const broken = Object.entries(c).find(
        ([name, value]) => fields.get(name.toLowerCase()) !== value,
      );
      if (broken) return denied(`Policy Condition failed: ["eq", "$${broken[0]}", "${broken[1]}"]`);
    } else if (c[0] === 'content-length-range') {
      if (size > c[2])
        return {
          status: 400,
          code: 'EntityTooLarge',
          message: 'Your proposed upload exceeds the maximum allowed size',
        };
      if (size < c[1])
        return {
          status: 400,
          code: 'EntityTooSmall',
          message: 'Your proposed upload is smaller than the minimum allowed size',
        };
    } else {
      const value = fields.get(c[1].replace(/^\$/, '').toLowerCase()) ?? '';
      if (c[0] === 'eq' ? value !== c[2] : !value.startsWith(c[2]))
        return denied(`Policy Condition failed: ${JSON.stringify(c)}`);
    }
  }
  return undefined;
}

const mentioned = (policy: PostPolicy) =>
  new Set(
    policy.conditions.flatMap((c) =>
      Array.isArray(c)
        ? c[0] === 'content-length-range'
          ? []
          : [c[1].replace(/^\$/, '').toLowerCase()]
        : Object.keys(c).map((k) => k.toLowerCase()),
    ),
  );

/** What S3 answers for this upload at `now`, or undefined when the policy allows it. */
export function policyProblem(
  policy: PostPolicy,
  fields: ReadonlyMap<string, string>,
  size: number,
  now: number,
): PostProblem | undefined {
  const expires = Date.parse(policy.expiration);
  if (Number.isNaN(expires) || now > expires) return denied('Policy expired.');
  const known = mentioned(policy);
  const extra = [...fields.keys()].filter(
    (f) => f !== 'bucket' && !EXEMPT.has(f) && !f.startsWith('x-ignore-') && !known.has(f),
  );
  if (extra.length > 0) return denied(`Extra input fields: ${extra.join(', ')}`);
  return failedCondition(policy, fields, size);
}
