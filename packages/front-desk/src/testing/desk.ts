/**
 * A front desk on the local emulator for tests: the stack's topology, the front desk's own role
 * (IAM enforced), two clients, and the app listening on 127.0.0.1 on a free port.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  createFrontDeskTopology,
  createTopology,
  type LocalAws,
  startLocalAws,
} from '@darkroom/local-aws';
import { addClient } from '@darkroom/operator';
import type { FastifyInstance } from 'fastify';
import type { FrontDeskSettings } from '../settings.ts';
import { startFrontDeskService } from '../service.ts';

export interface TestDesk {
  readonly aws: LocalAws;
  readonly url: string;
  readonly bucket: string;
  readonly tokens: { readonly a: string; readonly b: string };
  readonly app: FastifyInstance;
  /** An API call as client `who` (or with an explicit Authorization value). */
  call(
    who: 'a' | 'b' | { authorization: string },
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

export async function startTestDesk(
  settings: Partial<FrontDeskSettings> = {},
  webhookUrl?: string,
): Promise<TestDesk> {
  const aws = await startLocalAws();
  const topology = await createTopology(aws, { bucket: `desk-${Date.now().toString(36)}` });
  const bucket = topology.bucket;
  const desk = await createFrontDeskTopology(aws, topology);
  const a = await addClient(aws.s3, bucket, {
    id: 'client-a',
    ...(webhookUrl ? { webhookUrl } : {}),
  });
  const b = await addClient(aws.s3, bucket, { id: 'client-b' });
  const config = {
    region: aws.region,
    endpoint: aws.endpoint,
    credentials: { ...desk.credentials },
  };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const sqs = new SQSClient(config);
  const deadLetterQueueUrls = Object.fromEntries(
    Object.entries(topology.queues).map(([op, q]) => [op, q.deadLetterQueueUrl]),
  );
  const service = await startFrontDeskService(
    {
      s3,
      sqs,
      logger: false,
      settings: { bucket, deadLetterQueueUrls, resultsQueueUrl: desk.resultsQueueUrl, ...settings },
    },
    { host: '127.0.0.1', port: 0 },
  );
  const { url, app } = service;
  const tokens = { a: a.token, b: b.token };
  return {
    aws,
    url,
    bucket,
    tokens,
    app,
    async call(who, method, path, body) {
      const authorization = typeof who === 'string' ? `Bearer ${tokens[who]}` : who.authorization;
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json().catch(() => undefined) };
    },
    async stop() {
      await service.stop();
      s3.destroy();
      sqs.destroy();
      await aws.close();
    },
  };
}
