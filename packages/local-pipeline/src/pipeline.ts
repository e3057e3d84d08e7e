/**
 * The whole pipeline on one machine: embedded S3/SQS, Darkroom's topology, N real worker
 * processes per operation. Used by `npm start`, the end-to-end tests and the pipeline bench.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  type DeadLetter,
  type QueueCounts,
  listObjects,
  queueCounts,
  readDeadLetters,
  uploadBody,
} from '@darkroom/operator';
import {
  type CreatedTopology,
  type LocalAws,
  type TopologyOverrides,
  createTopology,
  startLocalAws,
  workerEnvironment,
} from '@darkroom/local-aws';
import { type Operation, WORKER_ENV, inputPrefix, outputPrefix } from '@darkroom/pipeline-spec';
import {
  CrashLoopError,
  type RestartPolicy,
  type SupervisorEvents,
  type WorkerSlot,
  superviseWorker,
} from './supervisor.ts';
import { type WorkerLogLine, type WorkerProcess, spawnWorker } from './workers.ts';

export const LOCAL_BUCKET = 'darkroom-local';
/** Originals above this size are uploaded in parts (S3's minimum part is 5 MiB). */
export const UPLOAD_PART_BYTES = 8 * 1024 * 1024;

export interface LocalPipelineOptions {
  readonly operations: readonly Operation[];
  readonly workersPerOperation: number;
  /** Photos in flight per worker process. */
  readonly concurrency: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly maxReceiveCount?: number;
  readonly shutdownGraceSeconds?: number;
  /** Extra environment for every worker (e.g. a log level). */
  readonly workerEnv?: Readonly<Record<string, string>>;
  readonly onWorkerLine?: (worker: WorkerProcess, line: WorkerLogLine) => void;
  /**
   * Restart workers that die, as Kubernetes does (`npm start` and the bench pass
   * DEFAULT_RESTART_POLICY); without it a dead worker stays dead (fault tests control that).
   */
  readonly restartPolicy?: RestartPolicy;
  readonly onWorkerRestart?: SupervisorEvents['onRestart'];
  /** Enforce IAM in the emulator (default true; `--no-iam` turns it off). */
  readonly iam?: boolean;
  /** Edit a worker role's policy before it is attached (tests remove statements). */
  readonly adjustWorkerPolicy?: TopologyOverrides['adjustWorkerPolicy'];
}

export type { DeadLetter, QueueCounts };

export interface LocalPipeline {
  readonly aws: LocalAws;
  readonly topology: CreatedTopology;
  /** Every worker process started, replacements included. */
  readonly workers: WorkerProcess[];
  /** Supervised workers with their restart counts and last exit (empty without a restart policy). */
  slots(): readonly WorkerSlot[];
  /** Start one more worker for `operation` (also used to restart after a kill). */
  addWorker(operation: Operation): WorkerProcess;
  /** Upload under `input/<op>/<relativeKey>`; resolves with the upload's completion time. */
  upload(operation: Operation, relativeKey: string, body: Buffer): Promise<number>;
  counts(operation: Operation): Promise<QueueCounts>;
  /** Keys under `output/<op>/`, relative to it. */
  outputs(operation: Operation): Promise<string[]>;
  getObject(key: string): Promise<Buffer>;
  /** Every dead-lettered photo with its reason; the DLQ is left as it was. */
  readDeadLetters(operation: Operation): Promise<DeadLetter[]>;
  /**
   * Wait until every queue is drained, nothing is in flight and `expected` results or dead letters exist.
   * @throws {CrashLoopError} when a supervised worker kept dying.
   */
  waitForDrain(
    expected: Partial<Record<Operation, number>>,
    options?: {
      timeoutMs?: number;
      onTick?: (progress: Map<Operation, { done: number; failed: number }>) => void;
    },
  ): Promise<void>;
  /** SIGTERM every worker (they drain), wait for them, close the emulator. */
  stop(): Promise<void>;
}

/** Start the emulator, create the topology and the workers; resolves when every worker is ready. */
export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  const aws = await startLocalAws({ iam: options.iam ?? true });
  const topology = await createTopology(aws, {
    bucket: LOCAL_BUCKET,
    ...(options.adjustWorkerPolicy ? { adjustWorkerPolicy: options.adjustWorkerPolicy } : {}),
    ...(options.visibilityTimeoutSeconds
      ? { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }
      : {}),
    ...(options.maxReceiveCount ? { maxReceiveCount: options.maxReceiveCount } : {}),
  });
  const workers: WorkerProcess[] = [];
  const counters = new Map<Operation, number>();

  const supervisors: { slot: WorkerSlot; stop: () => void }[] = [];
  let crashLoop: CrashLoopError | undefined;

  function spawnFor(operation: Operation, name: string): WorkerProcess {
    const queue = topology.queues[operation];
    const worker = spawnWorker({
      operation,
      name,
      env: {
        ...workerEnvironment(aws, topology, operation, name),
        [WORKER_ENV.concurrency]: String(options.concurrency),
        [WORKER_ENV.visibilityTimeoutSeconds]: String(
          options.visibilityTimeoutSeconds ?? queue.topology.visibilityTimeoutSeconds,
        ),
        ...(options.shutdownGraceSeconds
          ? { [WORKER_ENV.shutdownGraceSeconds]: String(options.shutdownGraceSeconds) }
          : {}),
        ...options.workerEnv,
      },
      ...(options.onWorkerLine ? { onLine: options.onWorkerLine } : {}),
    });
    workers.push(worker);
    return worker;
  }

  function addWorker(operation: Operation): WorkerProcess {
    const n = (counters.get(operation) ?? 0) + 1;
    counters.set(operation, n);
    const name = `${operation}-${n}`;
    const worker = spawnFor(operation, name);
    if (options.restartPolicy)
      supervisors.push(
        superviseWorker(worker, () => spawnFor(operation, name), options.restartPolicy, {
          ...(options.onWorkerRestart ? { onRestart: options.onWorkerRestart } : {}),
          onGiveUp: (error) => (crashLoop ??= error),
        }),
      );
    return worker;
  }

  for (const operation of options.operations)
    for (let i = 0; i < options.workersPerOperation; i++) addWorker(operation);
  await waitUntilReady(workers);

  async function outputs(operation: Operation): Promise<string[]> {
    const prefix = outputPrefix(operation);
    const objects = await listObjects(aws.s3, topology.bucket, prefix);
    return objects.map((o) => (o.Key ?? '').slice(prefix.length));
  }

  const counts = (operation: Operation) => queueCounts(aws.sqs, topology.queues[operation]);

  return {
    aws,
    topology,
    workers,
    addWorker,
    slots: () => supervisors.map((s) => s.slot),
    async upload(operation, relativeKey, body) {
      const key = `${inputPrefix(operation)}${relativeKey}`;
      await uploadBody(aws, topology.bucket, key, body, UPLOAD_PART_BYTES);
      return Date.now();
    },
    counts,
    outputs,
    async getObject(key) {
      const object = await aws.s3.send(new GetObjectCommand({ Bucket: topology.bucket, Key: key }));
      return Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
    },
    readDeadLetters: (operation) => readDeadLetters(aws.sqs, topology.queues[operation], operation),
    async waitForDrain(expected, { timeoutMs = 600_000, onTick } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (crashLoop) throw crashLoop;
        await aws.settled();
        const progress = new Map<Operation, { done: number; failed: number }>();
        let finished = true;
        for (const [operation, want] of Object.entries(expected) as [Operation, number][]) {
          const [c, out] = await Promise.all([counts(operation), outputs(operation)]);
          progress.set(operation, { done: out.length, failed: c.deadLettered });
          if (c.visible > 0 || c.inFlight > 0 || out.length + c.deadLettered < want)
            finished = false;
        }
        onTick?.(progress);
        if (finished) return;
        if (Date.now() > deadline)
          throw new Error(
            `pipeline did not drain within ${timeoutMs} ms: ${JSON.stringify(Object.fromEntries(progress))}`,
          );
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      for (const s of supervisors) s.stop();
      for (const w of workers)
        if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      await aws.close();
    },
  };
}

/** Resolve when every worker logged 'worker ready'; reject if one exits first. */
export async function waitUntilReady(workers: readonly WorkerProcess[]): Promise<void> {
  await Promise.race([
    Promise.all(workers.map((w) => w.ready)),
    ...workers.map((w) =>
      w.exited.then(({ code }) =>
        Promise.reject(
          new Error(`worker ${w.name} exited with ${code} before it was ready:\n${w.stderr()}`),
        ),
      ),
    ),
  ]);
}
