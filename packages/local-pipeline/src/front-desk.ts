/**
 * The clients' front desk on a local pipeline, in-process on 127.0.0.1 with its own role (IAM
 * judges it as in AWS): the results queue, the bucket's CORS rule for its origin, webhooks, and
 * a sample client whose token `npm start -- --keep-running` prints.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startFrontDeskService } from '@darkroom/front-desk';
import {
  type CreatedTopology,
  type LocalAws,
  allowFrontDeskOrigin,
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
  const desk = await createFrontDeskTopology(aws, topology);
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
      settings: {
        bucket: topology.bucket,
        deadLetterQueueUrls,
        resultsQueueUrl: desk.resultsQueueUrl,
      },
    },
    { host: '127.0.0.1', port: 0 },
  );
  await allowFrontDeskOrigin(aws, topology.bucket, service.url);
  return {
    url: service.url,
    addClient: async (id) => (await addClient(aws.s3, topology.bucket, { id })).token,
    async stop() {
      await service.stop();
      s3.destroy();
      sqs.destroy();
    },
  };
}
