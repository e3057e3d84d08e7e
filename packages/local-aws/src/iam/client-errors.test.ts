/**
 * A client's mistake gets the answer AWS gives, never a 500 with the emulator's internals
 * (formerly "Cannot simulate sqs:Explode …", "Cannot read properties of null").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, type LocalAws, startLocalAws } from '../index.ts';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => aws?.close());

const auth = (service: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
});
const sqs = (action: string, body: string) =>
  fetch(`${aws.endpoint}/`, {
    method: 'POST',
    headers: {
      ...auth('sqs'),
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AmazonSQS.${action}`,
    },
    body,
  });

describe('client mistakes', () => {
  it('an SQS action that does not exist is 400 UnknownOperationException', async () => {
    const response = await sqs('Explode', '{}');
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-query-error')).toBe('UnknownOperation;Sender');
    expect(JSON.parse(await response.text())).toMatchObject({
      __type: 'com.amazon.coral.service#UnknownOperationException',
    });
  });

  it.each(['null', '[]', '"QueueName"'])(
    'an SQS JSON body %s is 400 SerializationException',
    async (body) => {
      const response = await sqs('GetQueueUrl', body);
      expect(response.status).toBe(400);
      expect(JSON.parse(await response.text())).toMatchObject({
        __type: 'com.amazon.coral.service#SerializationException',
      });
    },
  );

  it('an S3 request no action fits is 400 InvalidRequest in S3’s XML, not a 500', async () => {
    await fetch(`${aws.endpoint}/photos`, { method: 'PUT', headers: auth('s3') });
    // A DeleteObjects entry without a key: no object ARN can be judged.
    const response = await fetch(`${aws.endpoint}/photos?delete`, {
      method: 'POST',
      headers: { ...auth('s3'), 'content-type': 'application/xml' },
      body: '<Delete><Object><Key></Key></Object></Delete>',
    });
    const text = await response.text();
    expect(text).not.toMatch(/Cannot simulate|Cannot read properties/);
    expect([response.status, /<Code>(\w+)<\/Code>/.exec(text)?.[1]]).toEqual([
      400,
      'InvalidRequest',
    ]);
  });
});
