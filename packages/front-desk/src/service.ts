/**
 * One running front desk: the app listening, and, with a results queue, the webhook dispatcher,
 * sharing one metrics registry (webhook counts show on `/metrics` beside the API's). What the
 * service's entrypoint, `npm start` and the tests all start.
 */
import type { FastifyInstance } from 'fastify';
import { type FrontDeskDeps, createFrontDesk } from './app.ts';
import { createMetrics } from './metrics.ts';
import { startDispatcher } from './webhooks/dispatcher.ts';

export interface FrontDeskService {
  /** `http://host:port` it listens on. */
  readonly url: string;
  readonly app: FastifyInstance;
  /** Closes the server and lets the dispatcher finish its message. */
  stop(): Promise<void>;
}

export async function startFrontDeskService(
  deps: Omit<FrontDeskDeps, 'metrics'>,
  listen: { host: string; port: number },
): Promise<FrontDeskService> {
  const metrics = createMetrics();
  const app = await createFrontDesk({ ...deps, metrics });
  const queueUrl = deps.settings.resultsQueueUrl;
  const log = (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) =>
    app.log[level](fields, message);
  const dispatcher = queueUrl
    ? startDispatcher({
        s3: deps.s3,
        sqs: deps.sqs,
        bucket: deps.settings.bucket,
        queueUrl,
        metrics,
        log,
      })
    : undefined;
  const url = await app.listen(listen);
  return {
    url,
    app,
    async stop() {
      await Promise.all([app.close(), dispatcher?.stop()]);
    },
  };
}
