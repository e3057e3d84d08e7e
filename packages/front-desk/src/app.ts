/**
 * The front desk: a Fastify app with the clients' API (`/v1/…`), their web page (`/`), health
 * and metrics. Every `/v1` request is authenticated by its token and rate-limited per token;
 * every error is JSON `{ error: { code, message } }` in words meant for the client; the logs
 * never carry a token (the Authorization header is redacted).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { ApiError, errorBody } from './api-error.ts';
import { ClientDirectory } from './directory.ts';
import { type FrontDeskMetrics, createMetrics } from './metrics.ts';
import { Quotas } from './quota.ts';
import type { RouteContext } from './routes/context.ts';
import { registerDownloads } from './routes/downloads.ts';
import { registerPage } from './routes/page.ts';
import { registerPhotos } from './routes/photos.ts';
import { registerUploads } from './routes/uploads.ts';
import { DEFAULT_SETTINGS, type FrontDeskSettings } from './settings.ts';
import { sha256 } from '@darkroom/operator';

export interface FrontDeskDeps {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly settings: Pick<FrontDeskSettings, 'bucket'> & Partial<FrontDeskSettings>;
  /** Pino options, or false for none (tests). */
  readonly logger?: boolean | { level: string };
  /** The registry to count in (shared with the webhook dispatcher); a new one otherwise. */
  readonly metrics?: FrontDeskMetrics;
}

function errorHandling(app: FastifyInstance, metrics: ReturnType<typeof createMetrics>): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    const known = error instanceof ApiError ? error : undefined;
    const statusCode =
      typeof error === 'object' &&
      error !== null &&
      'statusCode' in error &&
      typeof error.statusCode === 'number'
        ? error.statusCode
        : 500;
    const status = known?.status ?? (statusCode < 500 ? statusCode : 500);
    if (status >= 500) request.log.error({ err: error }, 'front desk error');
    const code =
      known?.code ??
      (status === 429 ? 'RateLimited' : status < 500 ? 'InvalidRequest' : 'InternalError');
    const message =
      known?.message ??
      (status < 500 && error instanceof Error
        ? error.message
        : 'Something went wrong on our side; retry, and tell the studio if it lasts.');
    void reply.code(status).send(errorBody(code, message));
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.requests.inc({
      route: request.routeOptions.url ?? 'unknown',
      status: String(reply.statusCode),
    });
  });
}

export async function createFrontDesk(deps: FrontDeskDeps): Promise<FastifyInstance> {
  const settings: FrontDeskSettings = { ...DEFAULT_SETTINGS, ...deps.settings };
  const app = Fastify({
    logger:
      deps.logger === false
        ? false
        : {
            level: 'info',
            redact: ['req.headers.authorization'],
            ...(typeof deps.logger === 'object' ? deps.logger : {}),
          },
    bodyLimit: 1024 * 1024,
  });
  const metrics = deps.metrics ?? createMetrics();
  errorHandling(app, metrics);
  const directory = new ClientDirectory(deps.s3, settings.bucket);
  await app.register(rateLimit, {
    max: settings.requestsPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request: FastifyRequest) =>
      sha256(String(request.headers.authorization ?? request.ip)),
    allowList: (request: FastifyRequest) => !request.url.startsWith('/v1/'),
    errorResponseBuilder: (_request, context) =>
      new ApiError(
        429,
        'RateLimited',
        `Too many requests: at most ${context.max} a minute per token; retry in ${Math.ceil(context.ttl / 1000)} s`,
      ),
  });
  const ctx: RouteContext = {
    app,
    settings,
    s3: deps.s3,
    sqs: deps.sqs,
    quotas: new Quotas(deps.s3, settings.bucket, settings.operations),
    metrics,
    authenticate: (request) => directory.authenticate(request.headers.authorization),
  };
  registerUploads(ctx);
  registerPhotos(ctx);
  registerDownloads(ctx);
  registerPage(ctx);
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/metrics', async (_request, reply) =>
    reply
      .header('content-type', metrics.registry.contentType)
      .send(await metrics.registry.metrics()),
  );
  return app;
}

export { createMetrics };
