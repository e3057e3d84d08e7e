/**
 * A write the caller may not make is refused on its headers, before its body is read: a 1 GiB
 * PUT with an unknown key once grew the runner from 435 to 2,474 MB before the 403.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../index.ts';
import { judgedOnHeaders } from './hooks.ts';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => aws?.close());

/** Start a PUT announcing `length` bytes, send 64 KiB of it, and resolve with the answer. */
function hugePut(
  accessKeyId: string,
  length: number,
): Promise<{ status: number; body: string; sent: number }> {
  const url = new URL(`${aws.endpoint}/photos/huge.bin`);
  return new Promise((resolve, reject) => {
    let sent = 0;
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'PUT',
        headers: {
          'content-length': String(length),
          authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0`,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body, sent });
        });
      },
    );
    req.on('error', (error) => (sent > 0 ? undefined : reject(error)));
    const chunk = Buffer.alloc(64 * 1024);
    req.write(chunk, () => (sent += chunk.byteLength));
  });
}

describe('denials before the body', () => {
  it('refuses a 1 GiB PUT with an unknown access key after its first 64 KiB, not its last byte', async () => {
    const answer = await hugePut('AKIANOBODYKNOWS00000', 1024 ** 3);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('<Code>InvalidAccessKeyId</Code>');
    expect(answer.sent).toBeLessThan(1024 ** 2);
  });

  it.each([
    ['PUT', '/photos/a.jpg', true],
    ['PUT', '/photos/big.jpg?partNumber=1&uploadId=x', true],
    ['GET', '/', true],
    ['POST', '/', false], // SQS and STS: the action is in the body
    ['POST', '/photos?delete', false], // the keys are in the body
    ['PUT', '/photos?policy', false],
  ] as const)('%s %s is judged on its headers: %s', (method, url, expected) => {
    expect(judgedOnHeaders(method, url)).toBe(expected);
  });
});
