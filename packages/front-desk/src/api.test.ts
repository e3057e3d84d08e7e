/**
 * The front desk's API against the local emulator with IAM on (the front desk acts with its own
 * role's policy): what a client can do with its token, and that it can do nothing to another
 * client's photos.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { addClient, revokeClient } from '@darkroom/operator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDesk, startTestDesk } from './testing/desk.ts';
import { verifyWebhook } from './webhooks/signature.ts';

type Upload = { name: string; url: string; fields: Record<string, string> };

async function post(upload: Upload, bytes: Buffer | string, fields: Record<string, string> = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries({ ...upload.fields, ...fields })) form.append(k, v);
  form.append('file', new Blob([bytes], { type: 'image/jpeg' }), upload.name);
  return fetch(upload.url, { method: 'POST', body: form });
}

const exists = async (desk: TestDesk, Key: string) =>
  desk.aws.s3.send(new HeadObjectCommand({ Bucket: desk.bucket, Key })).then(
    () => true,
    () => false,
  );

describe('the front desk API', () => {
  let desk: TestDesk;
  const deliveries: { body: string; signature: string }[] = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      deliveries.push({ body, signature: String(req.headers['darkroom-signature']) });
      res.end('ok');
    });
  });
  beforeAll(async () => {
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    desk = await startTestDesk(
      { requestsPerMinute: 1000 },
      `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks`,
    );
  });
  afterAll(async () => {
    await desk.stop();
    hook.close();
  });

  it('refuses a missing, malformed, forged or revoked token with the same 401 (no one learns which clients exist)', async () => {
    for (const authorization of [
      '',
      'Bearer nope',
      `Bearer drk_client-a_${'x'.repeat(43)}`,
      `Bearer drk_nobody_${'x'.repeat(43)}`,
    ]) {
      const { status, body } = await desk.call({ authorization }, 'GET', '/v1/photos');
      expect([status, body]).toEqual([
        401,
        { error: { code: 'InvalidToken', message: expect.stringContaining('Bearer') } },
      ]);
    }
  });

  it('signs an upload only into the caller’s own prefix, for its declared size; the photo reaches every operation', async () => {
    const { status, body } = await desk.call('a', 'POST', '/v1/uploads', {
      files: [{ name: '2026/kite.jpg', size: 10, type: 'image/jpeg' }],
    });
    expect(status).toBe(200);
    const [upload] = (body as { uploads: Upload[] }).uploads;
    if (!upload) throw new Error('no upload');
    expect(upload.fields['key']).toBe('input/grayscale/client-a/2026/kite.jpg');
    expect((await post(upload, 'x'.repeat(11))).status).toBe(400); // bigger than declared
    expect(
      (await post(upload, 'jpeg bytes', { key: 'input/grayscale/client-b/2026/kite.jpg' })).status,
    ).toBe(403);
    expect((await post(upload, '0123456789')).status).toBe(204);
    const completed = await desk.call('a', 'POST', '/v1/uploads/complete', {
      names: ['2026/kite.jpg', 'never-sent.jpg'],
    });
    expect(completed.body).toEqual({ completed: 1, missing: ['never-sent.jpg'] });
    for (const op of ['grayscale', 'watermark', 'thumbnail'])
      expect(await exists(desk, `input/${op}/client-a/2026/kite.jpg`), op).toBe(true);
    expect(await exists(desk, 'input/grayscale/client-b/2026/kite.jpg')).toBe(false);
  });

  it('refuses names that climb or break out of the prefix, and files over the limit, before signing anything', async () => {
    for (const name of ['../client-b/x.jpg', '/abs.jpg', 'a//b.jpg', 'ok/./x.jpg']) {
      const { status, body } = await desk.call('a', 'POST', '/v1/uploads', {
        files: [{ name, size: 1, type: 'image/jpeg' }],
      });
      expect([status, (body as { error: { code: string } }).error.code], name).toEqual([
        400,
        'InvalidName',
      ]);
    }
    const big = await desk.call('a', 'POST', '/v1/uploads', {
      files: [{ name: 'big.jpg', size: 5 * 1024 ** 3, type: 'image/jpeg' }],
    });
    expect(big.status).toBe(413);
  });

  it('lists the caller’s photos with a status per operation; another client sees none of them', async () => {
    const a = await desk.call('a', 'GET', '/v1/photos');
    expect(a.body).toMatchObject({
      photos: [
        { name: '2026/kite.jpg', size: 10, operations: { grayscale: { status: 'waiting' } } },
      ],
    });
    expect((await desk.call('b', 'GET', '/v1/photos')).body).toEqual({ photos: [] });
  });

  it('gives a short-lived download link once a result exists, tells the webhook (signed), and never serves another client’s', async () => {
    expect(
      (await desk.call('a', 'GET', '/v1/download?name=2026/kite.jpg&operation=thumbnail')).status,
    ).toBe(404);
    await desk.aws.s3.send(
      new PutObjectCommand({
        Bucket: desk.bucket,
        Key: 'output/thumbnail/client-a/2026/kite.jpg',
        Body: 'thumb',
      }),
    );
    const { body } = await desk.call(
      'a',
      'GET',
      '/v1/download?name=2026/kite.jpg&operation=thumbnail',
    );
    const url = (body as { url: string }).url;
    expect(await (await fetch(url)).text()).toBe('thumb');
    expect(
      (await desk.call('b', 'GET', '/v1/download?name=2026/kite.jpg&operation=thumbnail')).status,
    ).toBe(404);
    const photos = await desk.call('a', 'GET', '/v1/photos');
    expect(photos.body).toMatchObject({
      photos: [{ operations: { thumbnail: { status: 'done' } } }],
    });
    const deadline = Date.now() + 10_000;
    while (deliveries.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const [delivery] = deliveries;
    expect(JSON.parse(delivery?.body ?? '{}')).toMatchObject({
      type: 'photo.result.ready',
      client: 'client-a',
      operation: 'thumbnail',
      name: '2026/kite.jpg',
    });
    const record = await desk.aws.s3.send(
      new GetObjectCommand({ Bucket: desk.bucket, Key: 'clients/client-a.json' }),
    );
    const secret = JSON.parse((await record.Body?.transformToString()) ?? '{}').webhook
      .secret as string;
    expect(verifyWebhook(secret, delivery?.signature ?? '', delivery?.body ?? '')).toBe(true);
    expect(verifyWebhook('whsec_other', delivery?.signature ?? '', delivery?.body ?? '')).toBe(
      false,
    );
    // Deliveries are counted where the API's metrics are scraped.
    const metrics = await (await fetch(`${desk.url}/metrics`)).text();
    expect(metrics).toMatch(/darkroom_front_desk_webhooks_total\{outcome="delivered"\} 1/);
  });

  it('deletes a photo with every result made from it; another client’s delete of the same name touches nothing', async () => {
    await desk.call('b', 'DELETE', '/v1/photos?name=2026/kite.jpg');
    expect(await exists(desk, 'input/thumbnail/client-a/2026/kite.jpg')).toBe(true);
    expect((await desk.call('a', 'DELETE', '/v1/photos?name=2026/kite.jpg')).status).toBe(200);
    for (const key of ['input/grayscale', 'input/watermark', 'input/thumbnail', 'output/thumbnail'])
      expect(await exists(desk, `${key}/client-a/2026/kite.jpg`), key).toBe(false);
    expect((await desk.call('a', 'GET', '/v1/photos')).body).toEqual({ photos: [] });
  });

  it('uploads a large photo in signed parts, resumes after an interruption, and completes only the declared size', async () => {
    const size = 16 * 1024 * 1024 + 5;
    const photo = Buffer.alloc(size, 7);
    type Signed = { partNumber: number; bytes: number; url: string };
    const started = await desk.call('a', 'POST', '/v1/uploads/multipart', {
      name: 'raw/big.jpg',
      size,
      type: 'image/jpeg',
    });
    const { uploadId, parts } = started.body as { uploadId: string; parts: Signed[] };
    if (!parts) throw new Error(JSON.stringify(started));
    expect(parts.map((p) => [p.partNumber, p.bytes])).toEqual([
      [1, 16 * 1024 * 1024],
      [2, 5],
    ]);
    const put = (p: Signed) =>
      fetch(p.url, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body: photo.subarray(
          (p.partNumber - 1) * 16 * 1024 * 1024,
          (p.partNumber - 1) * 16 * 1024 * 1024 + p.bytes,
        ),
      });
    expect((await put(parts[0] as Signed)).status).toBe(200); // …then the connection drops
    const resumed = await desk.call(
      'a',
      'GET',
      `/v1/uploads/multipart?name=raw/big.jpg&uploadId=${encodeURIComponent(uploadId)}&size=${size}`,
    );
    const rest = resumed.body as { done: number[]; parts: Signed[] };
    if (!rest.parts) throw new Error(JSON.stringify(resumed));
    expect([rest.done, rest.parts.map((p) => p.partNumber)]).toEqual([[1], [2]]);
    expect((await put(rest.parts[0] as Signed)).status).toBe(200);
    const done = await desk.call('a', 'POST', '/v1/uploads/multipart/complete', {
      name: 'raw/big.jpg',
      uploadId,
      size,
    });
    expect(done.status).toBe(200);
    for (const op of ['grayscale', 'watermark', 'thumbnail'])
      expect(await exists(desk, `input/${op}/client-a/raw/big.jpg`), op).toBe(true);
    const short = await desk.call('a', 'POST', '/v1/uploads/multipart', {
      name: 'raw/short.jpg',
      size: 10,
      type: 'image/jpeg',
    });
    const shortParts = short.body as { uploadId: string; parts: Signed[] };
    await fetch(shortParts.parts[0]?.url ?? '', {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: 'five!',
    });
    const refused = await desk.call('a', 'POST', '/v1/uploads/multipart/complete', {
      name: 'raw/short.jpg',
      uploadId: shortParts.uploadId,
      size: 10,
    });
    expect(refused).toEqual({
      status: 400,
      body: { error: { code: 'SizeMismatch', message: expect.stringContaining('aborted') } },
    });
    expect(await exists(desk, 'input/grayscale/client-a/raw/short.jpg')).toBe(false);
  });

  it('stops a revoked token within the cache time', async () => {
    await revokeClient(desk.aws.s3, desk.bucket, 'client-b');
    await new Promise((r) => setTimeout(r, 10_100));
    expect((await desk.call('b', 'GET', '/v1/photos')).status).toBe(401);
  }, 20_000);
});

describe('front desk limits', () => {
  let desk: TestDesk;
  beforeAll(async () => {
    desk = await startTestDesk({ requestsPerMinute: 5 });
  });
  afterAll(async () => desk.stop());

  it('refuses a flood from one token with 429 RateLimited, leaving other clients served', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await desk.call('a', 'GET', '/v1/photos')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await desk.call('b', 'GET', '/v1/photos')).status).toBe(200);
  });
});

describe('front desk quotas', () => {
  let desk: TestDesk;
  beforeAll(async () => {
    desk = await startTestDesk();
    await addClient(desk.aws.s3, desk.bucket, { id: 'client-a', quota: { photosPerDay: 2 } });
  });
  afterAll(async () => desk.stop());

  it('refuses uploads past the daily photo quota with 429 QuotaExceeded saying the limit', async () => {
    const file = (name: string) => ({ name, size: 1, type: 'image/jpeg' });
    expect(
      (await desk.call('a', 'POST', '/v1/uploads', { files: [file('1.jpg'), file('2.jpg')] }))
        .status,
    ).toBe(200);
    const over = await desk.call('a', 'POST', '/v1/uploads', { files: [file('3.jpg')] });
    expect(over).toEqual({
      status: 429,
      body: { error: { code: 'QuotaExceeded', message: expect.stringContaining('your 2') } },
    });
  });
});
