import { describe, expect, it } from 'vitest';
import { parsePolicy, policyProblem, postPolicySignature } from './post-policy.ts';

const policy = (conditions: unknown[], expiration = '2030-01-01T00:00:00Z') =>
  Buffer.from(JSON.stringify({ expiration, conditions })).toString('base64');

const parsed = (conditions: unknown[], expiration?: string) => {
  const p = parsePolicy(policy(conditions, expiration));
  if ('status' in p) throw new Error(p.message);
  return p;
};

const fields = (entries: Record<string, string>) => new Map(Object.entries(entries));
const NOW = Date.parse('2026-12-03T12:00:00Z');

describe('POST policy signatures', () => {
  it("match AWS's own worked example (sigv4-post-example), so a policy signed by any SDK verifies", () => {
    // From docs.aws.amazon.com/AmazonS3/latest/API/sigv4-post-example.html (example credentials).
    const examplePolicy =
      'eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9';
    expect(
      postPolicySignature(
        'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        '20151229',
        'us-east-1',
        examplePolicy,
      ),
    ).toBe('8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e');
  });
});

describe('POST policy conditions', () => {
  const base = {
    bucket: 'photos',
    key: 'input/thumbnail/client-a/p.jpg',
    'content-type': 'image/jpeg',
  };
  const conditions = [
    { bucket: 'photos' },
    ['starts-with', '$key', 'input/thumbnail/client-a/'],
    ['eq', '$Content-Type', 'image/jpeg'],
    ['content-length-range', 1, 1000],
  ];

  it('allow an upload that meets every condition', () => {
    expect(policyProblem(parsed(conditions), fields(base), 500, NOW)).toBeUndefined();
  });

  it.each([
    [
      'a key outside the prefix (another client)',
      { ...base, key: 'input/thumbnail/client-b/p.jpg' },
      500,
      'Policy Condition failed: ["starts-with","$key","input/thumbnail/client-a/"]',
    ],
    [
      'another bucket',
      { ...base, bucket: 'other' },
      500,
      'Policy Condition failed: ["eq", "$bucket", "photos"]',
    ],
    [
      'another content type',
      { ...base, 'content-type': 'text/html' },
      500,
      'Policy Condition failed: ["eq","$Content-Type","image/jpeg"]',
    ],
    [
      'a field the policy does not name',
      { ...base, 'x-amz-meta-owner': 'b' },
      500,
      'Extra input fields: x-amz-meta-owner',
    ],
  ])('refuse %s (403)', (_what, form, size, message) => {
    expect(policyProblem(parsed(conditions), fields(form), size, NOW)).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: `Invalid according to Policy: ${message}`,
    });
  });

  it('refuse a file over or under the signed size range (EntityTooLarge / EntityTooSmall, 400)', () => {
    expect(policyProblem(parsed(conditions), fields(base), 1001, NOW)?.code).toBe('EntityTooLarge');
    expect(policyProblem(parsed(conditions), fields(base), 0, NOW)?.code).toBe('EntityTooSmall');
  });

  it('refuse an expired policy, and ignore x-ignore- fields', () => {
    expect(
      policyProblem(parsed(conditions, '2026-12-03T11:59:59Z'), fields(base), 500, NOW)?.message,
    ).toBe('Invalid according to Policy: Policy expired.');
    expect(
      policyProblem(parsed(conditions), fields({ ...base, 'x-ignore-note': 'x' }), 500, NOW),
    ).toBeUndefined();
  });

  it('answer a policy that is not JSON with InvalidPolicyDocument', () => {
    expect(parsePolicy('not base64 json')).toMatchObject({
      status: 400,
      code: 'InvalidPolicyDocument',
    });
  });
});
