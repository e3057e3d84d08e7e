/**
 * startWorker(): wire the pieces — config, the CPU gate, the message handler, sqs-consumer, the
 * probes — and runWorker(), the process entrypoint that drains on SIGTERM.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import {
  type ImageOperationName,
  type OperationOptions,
  imageOperations,
  resolveOptions,
  tuneSharpForWorker,
} from '@darkroom/image-ops';
import { MAX_RECEIVE_COUNT, WORKER_LOG } from '@darkroom/pipeline-spec';
import pino, { type Logger } from 'pino';
import { Consumer } from 'sqs-consumer';
import { type AwsClients, createAwsClients } from './aws.ts';
import { receiveBackoffMs } from './backoff.ts';
import { NO_OUTAGE, type OutageLine, receiveFailed, receiveSucceeded } from './outage-log.ts';
import { type WorkerConfig, loadConfig } from './config.ts';
import { createGate } from './gate.ts';
import { createSourceBufferPool } from './source-buffers.ts';
import { createDeadLetterer } from './dead-letter.ts';
import { serveHealth } from './health.ts';
import { type WorkerHealth, createWorkerHealth } from './health-state.ts';
import { type MessageHandler, createMessageHandler } from './messages.ts';
import { type WorkerMetrics, createMetrics } from './metrics.ts';
import {
  type PhotoContext,
  type RunImageOperation,
  optionsVersion,
  processPhoto,
} from './photo.ts';

export interface RunWorkerOptions<Op extends ImageOperationName> {
  readonly operation: Op;
  /**
   * Operation options, or a function reading them from the environment; validated at start-up
   * so a bad value stops the pod with a clear message instead of failing every photo.
   */
  readonly options?: OperationOptions[Op] | ((env: NodeJS.ProcessEnv) => OperationOptions[Op]);
  /** Defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Replace the image operation (tests inject a slow or failing one). */
  readonly imageOperation?: RunImageOperation<Op>;
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

/** What the lifecycle needs from the running parts. */
interface Running {
  readonly config: WorkerConfig;
  readonly logger: Logger;
  readonly clients: AwsClients;
  readonly health: WorkerHealth;
  readonly handler: MessageHandler;
  readonly consumer: Consumer;
  readonly draining: AbortController;
  readonly lifetime: AbortController;
}

/**
 * Start a worker and return its handle (no signal handling, no process exit: see {@link runWorker}).
 *
 * @throws {ConfigError} naming every missing or invalid environment variable.
 * @throws {InvalidOptionsError} when `options` are out of range.
 * @example const worker = await startWorker({ operation: 'thumbnail', env }); await worker.stop('test');
 */
export async function startWorker<Op extends ImageOperationName>(
  run: RunWorkerOptions<Op>,
): Promise<WorkerHandle> {
  const parts = assemble(run);
  return launch(parts, run.healthHost ?? parts.config.healthHost);
}

/**
 * Sources downloaded ahead of a free CPU slot: one keeps the CPU busy across a download, more
 * would only hold memory (a receive brings up to ten photos).
 */
const SOURCES_AHEAD = 1;

/** Pooled source buffers up to this size are kept for the next photo (a 20 MP PNG is ~60 MB). */
const KEEP_SOURCE_BUFFERS_UP_TO_BYTES = 64 * 1024 * 1024;

interface Parts extends Running {
  readonly metrics: WorkerMetrics;
  /** Updated from the queue's redrive policy once it is read. */
  readonly queue: { maxReceiveCount: number };
}

/** Build every part from the configuration; nothing runs yet. */
function assemble<Op extends ImageOperationName>(run: RunWorkerOptions<Op>): Parts {
  const env = run.env ?? process.env;
  const config = loadConfig(env);
  const options = resolveOptions(
    run.operation,
    typeof run.options === 'function' ? run.options(env) : run.options,
  );
  tuneSharpForWorker({ threadsPerPhoto: 1 });
  const logger = createLogger(config, run);
  const metrics = createMetrics();
  const clients = createAwsClients(config);
  const lifetime = new AbortController();
  const draining = new AbortController();
  const health = createWorkerHealth(config.visibilityTimeoutSeconds);
  const photo: PhotoContext<Op> = {
    s3: clients.s3,
    bucket: config.bucket,
    signal: lifetime.signal,
    operation: run.operation,
    options,
    optionsVersion: optionsVersion(run.operation, options),
    run: run.imageOperation ?? imageOperations[run.operation],
    cpuGate: createGate(config.concurrency, draining.signal),
    sourceGate: createGate(config.concurrency + SOURCES_AHEAD, draining.signal),
    sourceBuffers: createSourceBufferPool(KEEP_SOURCE_BUFFERS_UP_TO_BYTES),
  };
  const queue = { maxReceiveCount: MAX_RECEIVE_COUNT };
  const handler = createMessageHandler({
    operation: run.operation,
    sqs: clients.sqs,
    queueUrl: config.queueUrl,
    logger,
    metrics,
    deadLetter: createDeadLetterer(
      clients.sqs,
      config.deadLetterQueueUrl,
      run.operation,
      lifetime.signal,
    ),
    processPhoto: (event, delivery) => processPhoto(photo, event, delivery),
    visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
    maxReceiveCount: () => queue.maxReceiveCount,
    onPhotoFinished: () => health.photoFinished(),
  });
  const consumer = createConsumer(config, clients, handler, health, draining.signal, logger);
  return { config, logger, clients, health, handler, consumer, draining, lifetime, metrics, queue };
}

/** Serve the probes, prove the queue, start consuming. */
async function launch(parts: Parts, healthHost: string): Promise<WorkerHandle> {
  const { config, logger, clients, health, consumer, lifetime, metrics, queue } = parts;
  const server = await serveHealth(health, metrics.registry, {
    port: config.healthPort,
    host: healthHost,
  });
  const { ready, announce } = readiness(logger, () => ({
    queueUrl: config.queueUrl,
    concurrency: config.concurrency,
    batchSize: config.batchSize,
    healthPort: server.port,
  }));
  consumer.on('response_processed', announce);
  consumer.on('empty', announce);
  const probe = await probeQueue(clients, config, lifetime.signal);
  if (probe.ok) {
    queue.maxReceiveCount = probe.maxReceiveCount ?? queue.maxReceiveCount;
    health.received();
    announce();
  } else {
    health.receiveFailed(probe.reason);
    logger.warn({ err: probe.reason }, 'queue not reachable yet; ready after the first receive');
  }
  consumer.start();
  const ticker = setInterval(() => health.tick(), 1_000);
  ticker.unref();
  let stopping: Promise<void> | undefined;
  return {
    config,
    healthPort: server.port,
    metrics,
    logger,
    ready,
    stop: (reason) =>
      (stopping ??= drain(parts, reason)
        .finally(() => {
          clearInterval(ticker);
          return server.close();
        })
        .then(() => flush(logger))),
  };
}

function createLogger(
  config: WorkerConfig,
  run: Pick<RunWorkerOptions<ImageOperationName>, 'operation' | 'logStream'>,
): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { operation: run.operation },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    run.logStream ?? pino.destination({ fd: 1, sync: false }),
  );
}

function createConsumer(
  config: WorkerConfig,
  clients: AwsClients,
  handler: MessageHandler,
  health: WorkerHealth,
  draining: AbortSignal,
  logger: Logger,
): Consumer {
  let failures = 0;
  const consumer = Consumer.create({
    queueUrl: config.queueUrl,
    sqs: clients.sqs,
    batchSize: config.batchSize,
    waitTimeSeconds: config.receiveWaitSeconds,
    visibilityTimeout: config.visibilityTimeoutSeconds,
    heartbeatInterval: Math.max(1, Math.floor(config.visibilityTimeoutSeconds / 3)),
    messageSystemAttributeNames: ['ApproximateReceiveCount'],
    handleMessageBatch: (messages) => handler.handleBatch(messages),
    // Only reached if the batch handler itself throws (a bug): let the messages come back soon.
    terminateVisibilityTimeout: () => 0,
    // Bounded, jittered backoff between failed receives instead of spinning on a dead endpoint.
    preReceiveMessageCallback: () => pause(receiveBackoffMs(failures), draining),
    authenticationErrorTimeout: 0,
    suppressFifoWarning: true,
  });
  let outage = NO_OUTAGE;
  const say = (line: OutageLine | undefined) => {
    if (line)
      logger[line.level](
        {
          failures: line.failures,
          outageSeconds: line.outageSeconds,
          ...(line.lastError ? { err: line.lastError } : {}),
        },
        line.msg,
      );
  };
  const succeeded = () => {
    failures = 0;
    health.received();
    const next = receiveSucceeded(outage, Date.now());
    outage = next.state;
    say(next.line);
  };
  consumer.on('response_processed', succeeded);
  consumer.on('empty', succeeded);
  consumer.on('error', (error, messages) => {
    if (messages) return; // a visibility change or delete of settled messages: logged by the handler
    failures++;
    health.receiveFailed(error.message);
    const next = receiveFailed(outage, Date.now(), error.message);
    outage = next.state;
    say(next.line);
  });
  return consumer;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** `worker ready` (the runner waits for it), logged once, at the first successful receive. */
function readiness(
  logger: Logger,
  details: () => Record<string, unknown>,
): { ready: Promise<void>; announce: () => void } {
  let resolve: () => void = () => undefined;
  const ready = new Promise<void>((r) => (resolve = r));
  let announced = false;
  return {
    ready,
    announce() {
      if (announced) return;
      announced = true;
      logger.info(details(), WORKER_LOG.ready);
      resolve();
    },
  };
}

/**
 * One cheap call proves the queue and credentials now (a long poll can take 20 s to answer) and
 * reads the redrive policy's maxReceiveCount, so the last receive is known.
 * maxReceiveCount is undefined when the queue has no redrive policy.
 */
async function probeQueue(
  clients: AwsClients,
  config: WorkerConfig,
  signal: AbortSignal,
): Promise<{ ok: true; maxReceiveCount: number | undefined } | { ok: false; reason: string }> {
  try {
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: config.queueUrl,
        AttributeNames: ['RedrivePolicy'],
      }),
      { abortSignal: signal },
    );
    const policy: unknown = JSON.parse(Attributes?.RedrivePolicy ?? '{}');
    const max =
      typeof policy === 'object' && policy !== null && 'maxReceiveCount' in policy
        ? Number(policy.maxReceiveCount)
        : Number.NaN;
    return { ok: true, maxReceiveCount: Number.isInteger(max) && max > 0 ? max : undefined };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Stop receiving, turn away photos waiting for a CPU slot, let those in flight finish within the
 * grace period, release whatever is still unsettled, then cancel outstanding requests.
 */
async function drain(running: Running, reason: string): Promise<void> {
  const { config, logger, handler, consumer, health } = running;
  const started = Date.now();
  logger.info(
    { reason, unsettled: handler.unsettled().length, graceSeconds: config.shutdownGraceSeconds },
    WORKER_LOG.draining,
  );
  health.startDraining();
  running.draining.abort();
  consumer.stop();
  const deadline = started + config.shutdownGraceSeconds * 1000;
  // Wait for the receive in progress too: SQS does not cancel a long poll whose client went
  // away, so a message it takes after the process exits would stay hidden for the visibility
  // timeout (aws/aws-sdk-js#2350, aws/aws-sdk-java-v2#1395). Taken during the drain, it is
  // turned away by the gates and released at once.
  while ((handler.unsettled().length > 0 || consumer.status.isPolling) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  const left = handler.unsettled();
  if (left.length > 0) await releaseNow(running, left);
  running.lifetime.abort();
  logger.info({ reason, drainMs: Date.now() - started }, WORKER_LOG.stopped);
}

/** Make `messages` visible again at once, for another worker. */
async function releaseNow(running: Running, messages: readonly Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const entries = messages
      .slice(i, i + 10)
      .map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
    await running.clients.sqs
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: running.config.queueUrl,
          Entries: entries,
        }),
      )
      .catch((error: unknown) =>
        running.logger.error(
          { err: error instanceof Error ? error.message : String(error) },
          'could not release messages',
        ),
      );
  }
  running.logger.warn(
    { released: messages.length },
    'grace period over: released unfinished messages',
  );
}

function flush(logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => logger.flush(() => resolve()));
}

/**
 * The entrypoint a service's `main.ts` calls: start the worker, drain on SIGTERM/SIGINT and exit
 * 0; a second signal exits at once with 130. Invalid configuration prints every problem and
 * exits 1.
 *
 * @example await runWorker({ operation: 'thumbnail', options: thumbnailOptionsFromEnv });
 */
export async function runWorker<Op extends ImageOperationName>(
  run: RunWorkerOptions<Op>,
): Promise<WorkerHandle> {
  const worker = await startWorker(run).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`darkroom ${run.operation} worker cannot start: ${message}\n`);
    return process.exit(1);
  });
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
