/** What every route module gets. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ClientRecord } from '@darkroom/operator';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FrontDeskMetrics } from '../metrics.ts';
import type { Quotas } from '../quota.ts';
import type { FrontDeskSettings } from '../settings.ts';

export interface RouteContext {
  readonly app: FastifyInstance;
  readonly settings: FrontDeskSettings;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly quotas: Quotas;
  readonly metrics: FrontDeskMetrics;
  authenticate(request: FastifyRequest): Promise<ClientRecord>;
}
