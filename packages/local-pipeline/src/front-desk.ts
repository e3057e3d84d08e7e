/**
 * The clients' front desk on a local pipeline, in-process on 127.0.0.1 with its own role (IAM
 * judges it as in AWS): the results queue, the bucket's CORS rule for its origin, webhooks, and
 * a sample client whose token `npm start -- --keep-running` prints.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createFrontDesk, createMetrics, startDispatcher } from '@darkroom/front-desk';
import {
  FRONT_DESK_CREDENTIALS,
  type CreatedTopology,
  type LocalAws,
  createFrontDeskTopology,
} from '@darkroom/local-aws';
import { addClient } from '@darkroom/operator';

export interface LocalFrontDesk {
  readonly url: string;
  /** Create a client (or give it another token); @returns its token. */
  addClient(id: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startLocalFrontDesk(
  aws: LocalAws,
  topology: CreatedTopology,
): Promise<LocalFrontDesk> {
  const config = {
    region: aws.region,
    endpoint: aws.endpoint,
    credentials: { ...FRONT_DESK_CREDENTIALS },
  };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const sqs = new SQSClient(config);
  const deadLetterQueueUrls = Object.fromEntries(
    Object.entries(topology.queues).map(([op, q]) => [op, q.deadLetterQueueUrl]),
  );
  const app = await createFrontDesk({
    s3,
    sqs,
    logger: false,
    settings: { bucket: topology.bucket, deadLetterQueueUrls },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const desk = await createFrontDeskTopology(aws, topology, { origin: url });
  const log = () => undefined;
  const dispatcher = startDispatcher({
    s3,
    sqs,
    bucket: topology.bucket,
    queueUrl: desk.resultsQueueUrl,
    metrics: createMetrics(),
    log,
  });
  return {
    url,
    addClient: async (id) => (await addClient(aws.s3, topology.bucket, { id })).token,
    async stop() {
      await dispatcher.stop();
      await app.close();
      s3.destroy();
      sqs.destroy();
    },
  };
}
