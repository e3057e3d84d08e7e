/**
 * runWorker(): consume one operation's queue with sqs-consumer, process photos with bounded CPU
 * concurrency, dead-letter what can never succeed, and drain cleanly on SIGTERM.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import {
  type OperationName,
  type OperationOptions,
  imageOperations,
  resolveOptions,
  tuneSharpForWorker,
} from '@darkroom/image-ops';
import { DLQ_ATTRIBUTES, decodeEventKey } from '@darkroom/pipeline-spec';
import pLimit from 'p-limit';
import pino, { type Logger } from 'pino';
import { Consumer } from 'sqs-consumer';
import { type AwsClients, createAwsClients } from './aws.ts';
import { type WorkerConfig, loadConfig } from './config.ts';
import {
  ConfigError,
  PermanentMessageError,
  ShutdownError,
  TransientError,
  WorkerError,
} from './errors.ts';
import { serveHealth } from './health.ts';
import { type WorkerMetrics, createMetrics } from './metrics.ts';
import { type ImageOperation, type PhotoContext, optionsVersion, processPhoto } from './photo.ts';
import { type S3ObjectEvent, parseS3EventMessage } from './s3-event.ts';

export interface RunWorkerOptions<Op extends OperationName> {
  readonly operation: Op;
  /**
   * Operation options, or a function reading them from the environment; validated at start-up
   * so a bad value stops the pod with a clear message instead of failing every photo.
   */
  readonly options?: OperationOptions[Op] | ((env: NodeJS.ProcessEnv) => OperationOptions[Op]);
  /** Defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Replace the image operation (tests inject a slow or failing one). */
  readonly imageOperation?: ImageOperation;
  /** Destination of the JSON logs; defaults to stdout. */
  readonly logStream?: NodeJS.WritableStream;
  /** Overrides `DARKROOM_HEALTH_HOST`, the interface the health server binds. */
  readonly healthHost?: string;
}

export interface WorkerHandle {
  readonly config: WorkerConfig;
  readonly healthPort: number;
  readonly metrics: WorkerMetrics;
  readonly logger: Logger;
  /** Resolves once the first receive from SQS succeeded. */
  readonly ready: Promise<void>;
  /** Stop receiving, finish or release photos in flight, close the server. Resolves when done. */
  stop(reason: string): Promise<void>;
}

/** Backoff for transient failures: 5 s, 10 s, 20 s … by receive count, capped at the visibility timeout. */
export function retryDelaySeconds(receiveCount: number, visibilityTimeoutSeconds: number): number {
  return Math.min(visibilityTimeoutSeconds, 5 * 2 ** Math.max(0, receiveCount - 1));
}

const EVENT_LOOP_STALL_MS = 10_000;

/**
 * Start a worker and return its handle (no signal handling, no process exit: see {@link runWorker}).
 *
 * @throws {ConfigError} naming every missing or invalid environment variable.
 * @throws {InvalidOptionsError} when `options` are out of range.
 * @example const worker = await startWorker({ operation: 'thumbnail', env }); await worker.stop('test');
 */
export async function startWorker<Op extends OperationName>(
  run: RunWorkerOptions<Op>,
): Promise<WorkerHandle> {
  const env = run.env ?? process.env;
  const config = loadConfig(env);
  const operation = run.operation;
  const resolvedOptions = resolveOptions(
    operation,
    typeof run.options === 'function' ? run.options(env) : run.options,
  );
  tuneSharpForWorker({ threadsPerPhoto: 1 });
  const logger = pino(
    { level: config.logLevel, base: { operation }, timestamp: pino.stdTimeFunctions.isoTime },
    run.logStream ?? pino.destination({ fd: 1, sync: false }),
  );
  const metrics = createMetrics();
  const clients: AwsClients = createAwsClients(config);
  const lifetime = new AbortController();
  const draining = new AbortController();
  const limiter = pLimit(config.concurrency);
  const inFlight = new Map<string, Message>();
  const release = new Set<string>();
  let firstPoll = false;
  let lastActivity = Date.now();
  let lastTick = Date.now();
  const ticker = setInterval(() => (lastTick = Date.now()), 1_000);
  ticker.unref();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  /** Take a CPU slot; a photo still waiting for one when draining starts is released instead. */
  function limitCpu<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let started = false;
      const onDrain = () => {
        if (!started) reject(new ShutdownError());
      };
      draining.signal.addEventListener('abort', onDrain, { once: true });
      limiter(async () => {
        if (draining.signal.aborted) return undefined;
        started = true;
        return fn().then(resolve, reject);
      }).finally(() => draining.signal.removeEventListener('abort', onDrain));
    });
  }

  const photoContext: PhotoContext = {
    s3: clients.s3,
    bucket: config.bucket,
    operation,
    options: resolvedOptions,
    optionsVersion: optionsVersion(operation, resolvedOptions),
    run: run.imageOperation ?? (imageOperations[operation] as ImageOperation),
    limitCpu,
    signal: lifetime.signal,
  };

  async function deadLetter(
    message: Message,
    error: WorkerError,
    records: readonly S3ObjectEvent[],
  ): Promise<void> {
    const body =
      records.length > 0 && message.Body
        ? rewriteRecords(message.Body, records)
        : (message.Body ?? '');
    const attribute = (value: string) => ({
      DataType: 'String',
      StringValue: value.slice(0, 1024) || '-',
    });
    try {
      await clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: config.deadLetterQueueUrl,
          MessageBody: body,
          MessageAttributes: {
            [DLQ_ATTRIBUTES.errorCode]: attribute(error.code),
            [DLQ_ATTRIBUTES.errorMessage]: attribute(error.message),
            [DLQ_ATTRIBUTES.operation]: attribute(operation),
            ...(records[0] ? { [DLQ_ATTRIBUTES.sourceKey]: attribute(records[0].key) } : {}),
          },
        }),
        { abortSignal: lifetime.signal },
      );
    } catch (cause) {
      throw new TransientError(
        'DeadLetterFailed',
        `Could not send message ${message.MessageId} to the DLQ: ${(cause as Error).message}`,
        'dead-letter',
        cause,
      );
    }
  }

  async function handlePhoto(
    message: Message,
    record: S3ObjectEvent,
  ): Promise<WorkerError | undefined> {
    const started = performance.now();
    metrics.inFlight.inc({ operation });
    const base = {
      messageId: message.MessageId,
      key: record.key,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
    };
    try {
      const result = await processPhoto(photoContext, record);
      const seconds = (performance.now() - started) / 1000;
      metrics.photos.inc({ operation, outcome: result.outcome });
      if (result.outcome === 'processed') {
        metrics.duration.observe({ operation }, seconds);
        metrics.bytes.inc({ operation, direction: 'in' }, result.bytesIn);
        metrics.bytes.inc({ operation, direction: 'out' }, result.bytesOut);
      }
      logger.info(
        {
          ...base,
          outcome: result.outcome,
          outputKey: result.outputKey,
          durationMs: Math.round(seconds * 1000),
          processMs: Math.round(result.processMs),
          waitMs: Math.round(result.waitMs),
          bytesIn: result.bytesIn,
          bytesOut: result.bytesOut,
        },
        'photo',
      );
      return undefined;
    } catch (caught) {
      const error =
        caught instanceof WorkerError
          ? caught
          : new TransientError('Unexpected', String(caught), 'process', caught);
      const durationMs = Math.round(performance.now() - started);
      logger[error.retryable ? 'warn' : 'error'](
        {
          ...base,
          outcome: error.retryable ? 'retry' : 'failed',
          errorCode: error.code,
          step: error.step,
          durationMs,
          err: error.message,
        },
        'photo',
      );
      return error;
    } finally {
      metrics.inFlight.dec({ operation });
      lastActivity = Date.now();
    }
  }

  async function handleMessage(message: Message): Promise<Message | undefined> {
    const id = message.MessageId ?? '';
    lastActivity = Date.now();
    if (draining.signal.aborted) {
      release.add(id);
      throw new ShutdownError();
    }
    inFlight.set(id, message);
    try {
      let parsed;
      try {
        parsed = parseS3EventMessage(message.Body);
      } catch (error) {
        const permanent = error as PermanentMessageError;
        logger.error(
          {
            messageId: id,
            outcome: 'failed',
            errorCode: permanent.code,
            err: permanent.message,
            body: (message.Body ?? '').slice(0, 200),
          },
          'message is not an S3 event notification',
        );
        await deadLetter(message, permanent, []);
        metrics.photos.inc({ operation, outcome: 'dead_lettered' });
        return message;
      }
      if (parsed.kind === 'test') {
        metrics.testEvents.inc();
        logger.info({ messageId: id, outcome: 'skipped' }, 's3:TestEvent skipped');
        return message;
      }
      const records = parsed.records;
      const errors = await Promise.all(records.map((record) => handlePhoto(message, record)));
      const failed = records
        .map((record, i) => ({ record, error: errors[i] }))
        .filter((f) => f.error);
      const permanent = failed.filter((f) => f.error && !f.error.retryable);
      if (permanent.length > 0 && permanent[0]?.error) {
        await deadLetter(
          message,
          permanent[0].error,
          permanent.map((f) => f.record),
        );
        metrics.photos.inc({ operation, outcome: 'dead_lettered' }, permanent.length);
      }
      const retry = failed.find((f) => f.error?.retryable)?.error;
      if (retry) {
        if (retry instanceof ShutdownError) release.add(id);
        else metrics.photos.inc({ operation, outcome: 'retried' });
        throw retry;
      }
      return message;
    } finally {
      inFlight.delete(id);
    }
  }

  const consumer = Consumer.create({
    queueUrl: config.queueUrl,
    sqs: clients.sqs,
    batchSize: config.batchSize,
    waitTimeSeconds: 20,
    visibilityTimeout: config.visibilityTimeoutSeconds,
    heartbeatInterval: Math.max(1, Math.floor(config.visibilityTimeoutSeconds / 3)),
    messageSystemAttributeNames: ['ApproximateReceiveCount'],
    handleMessage,
    terminateVisibilityTimeout: (messages) => {
      const message = messages[0];
      const id = message?.MessageId ?? '';
      if (release.has(id) || draining.signal.aborted) {
        release.delete(id);
        return 0;
      }
      return retryDelaySeconds(
        Number(message?.Attributes?.ApproximateReceiveCount ?? 1),
        config.visibilityTimeoutSeconds,
      );
    },
    suppressFifoWarning: true,
  });
  let healthPort = config.healthPort;
  const markPolled = () => {
    lastActivity = Date.now();
    if (!firstPoll) {
      firstPoll = true;
      logger.info(
        {
          queueUrl: config.queueUrl,
          concurrency: config.concurrency,
          batchSize: config.batchSize,
          healthPort,
        },
        'worker ready',
      );
      markReady();
    }
  };
  consumer.on('response_processed', markPolled);
  consumer.on('empty', markPolled);
  consumer.on('error', (error) =>
    logger.error({ err: error.message, step: 'receive' }, 'SQS error'),
  );
  consumer.on('processing_error', () => undefined); // logged per photo above

  const health = await serveHealth(
    {
      liveness: () => {
        if (Date.now() - lastTick > EVENT_LOOP_STALL_MS)
          return `event loop stalled for ${Date.now() - lastTick} ms`;
        const quiet = Date.now() - lastActivity;
        const wedgedAfter = Math.max(120_000, 2 * config.visibilityTimeoutSeconds * 1000);
        if (consumer.status.isRunning && quiet > wedgedAfter)
          return `no poll or photo finished for ${quiet} ms`;
        return undefined;
      },
      readiness: () => {
        if (draining.signal.aborted) return 'draining';
        if (!firstPoll) return 'waiting for the first successful SQS receive';
        return undefined;
      },
    },
    metrics.registry,
    { port: config.healthPort, host: run.healthHost ?? config.healthHost },
  );
  healthPort = health.port;
  // A long poll can take 20 s to answer; one cheap call proves the queue and credentials now.
  await clients.sqs
    .send(
      new GetQueueAttributesCommand({
        QueueUrl: config.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
      { abortSignal: lifetime.signal },
    )
    .then(
      () => markPolled(),
      (error: unknown) =>
        logger.warn(
          { err: (error as Error).message },
          'queue not reachable yet; readiness waits for the first receive',
        ),
    );
  consumer.start();

  let stopping: Promise<void> | undefined;
  async function releaseInFlight(): Promise<void> {
    const pending = [...inFlight.values()];
    for (let i = 0; i < pending.length; i += 10) {
      const entries = pending
        .slice(i, i + 10)
        .map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
      await clients.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({ QueueUrl: config.queueUrl, Entries: entries }),
        )
        .catch((error: unknown) =>
          logger.error({ err: (error as Error).message }, 'could not release messages'),
        );
    }
    if (pending.length > 0)
      logger.warn({ released: pending.length }, 'grace period over: released unfinished messages');
  }

  async function drain(reason: string): Promise<void> {
    const started = Date.now();
    logger.info(
      { reason, inFlight: inFlight.size, graceSeconds: config.shutdownGraceSeconds },
      'draining',
    );
    draining.abort();
    consumer.stop();
    const deadline = started + config.shutdownGraceSeconds * 1000;
    while (inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (inFlight.size > 0) await releaseInFlight();
    lifetime.abort();
    clearInterval(ticker);
    await health.close();
    logger.info({ reason, drainMs: Date.now() - started }, 'stopped');
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
  }

  return {
    config,
    healthPort: health.port,
    metrics,
    logger,
    ready,
    stop: (reason) => (stopping ??= drain(reason)),
  };
}

function rewriteRecords(body: string, keep: readonly S3ObjectEvent[]): string {
  try {
    const parsed = JSON.parse(body) as { Records?: { s3?: { object?: { key?: string } } }[] };
    const wanted = new Set(keep.map((r) => r.key));
    const records = (parsed.Records ?? []).filter((r) => {
      const encoded = r.s3?.object?.key ?? '';
      try {
        return wanted.has(decodeEventKey(encoded));
      } catch {
        return true;
      }
    });
    return JSON.stringify({ ...parsed, Records: records });
  } catch {
    return body;
  }
}

/**
 * The entrypoint a service's `main.ts` calls: start the worker, drain on SIGTERM/SIGINT and exit
 * 0; a second signal exits at once with 130. Invalid configuration prints every problem and
 * exits 1.
 *
 * @example await runWorker({ operation: 'thumbnail', options: { width: 320, height: 320 } });
 */
export async function runWorker<Op extends OperationName>(
  run: RunWorkerOptions<Op>,
): Promise<WorkerHandle | undefined> {
  let worker: WorkerHandle;
  try {
    worker = await startWorker(run);
  } catch (error) {
    const message =
      error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`darkroom ${run.operation} worker cannot start: ${message}\n`);
    process.exitCode = 1;
    process.exit(1);
  }
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      process.stderr.write(`second ${signal}: exiting now\n`);
      process.exit(130);
    }
    signalled = true;
    worker.stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return worker;
}
