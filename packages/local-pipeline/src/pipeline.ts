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
} from '@darkroom/local-aws';
import { type Operation, inputPrefix, isOperation, outputPrefix } from '@darkroom/pipeline-spec';
import { drainProgress } from './drain.ts';
import { type FleetOptions, WorkerFleet } from './fleet.ts';
import { type LocalFrontDesk, startLocalFrontDesk } from './front-desk.ts';
import type { CrashLoopError, WorkerSlot } from './supervisor.ts';
import type { WorkerProcess } from './workers.ts';

export type { CrashLoopError };

export const LOCAL_BUCKET = 'darkroom-local';
/** Originals above this size are uploaded in parts (S3's minimum part is 5 MiB). */
export const UPLOAD_PART_BYTES = 8 * 1024 * 1024;

/** The fleet's options (concurrency, visibility, grace, worker env and lines, restarts) and the run's. */
export interface LocalPipelineOptions extends FleetOptions {
  readonly operations: readonly Operation[];
  readonly workersPerOperation: number;
  readonly maxReceiveCount?: number;
  /** Enforce IAM in the emulator (default true; `--no-iam` turns it off). */
  readonly iam?: boolean;
  /** Edit a worker role's policy before it is attached (tests remove statements). */
  readonly adjustWorkerPolicy?: TopologyOverrides['adjustWorkerPolicy'];
  /** Also run the clients' front desk (its page and API) on 127.0.0.1. */
  readonly frontDesk?: boolean;
}

export type { DeadLetter, QueueCounts };

export interface LocalPipeline {
  readonly aws: LocalAws;
  /** With `frontDesk: true`: its URL and a way to add clients. */
  readonly frontDesk: LocalFrontDesk | undefined;
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
  const frontDesk = options.frontDesk ? await startLocalFrontDesk(aws, topology) : undefined;
  const fleet = new WorkerFleet(aws, topology, options);
  for (const operation of options.operations)
    for (let i = 0; i < options.workersPerOperation; i++) fleet.add(operation);
  await waitUntilReady(fleet.workers);

  async function outputs(operation: Operation): Promise<string[]> {
    const prefix = outputPrefix(operation);
    const objects = await listObjects(aws.s3, topology.bucket, prefix);
    return objects.map((o) => (o.Key ?? '').slice(prefix.length));
  }
  const counts = (operation: Operation) => queueCounts(aws.sqs, topology.queues[operation]);
  const poll = async (operation: Operation) => {
    const [c, out] = await Promise.all([counts(operation), outputs(operation)]);
    return [operation, { counts: c, results: out.length }] as const;
  };

  return {
    aws,
    frontDesk,
    topology,
    workers: fleet.workers,
    addWorker: (operation) => fleet.add(operation),
    slots: () => fleet.slots(),
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
        if (fleet.crashLoop) throw fleet.crashLoop;
        await aws.settled();
        const operations = Object.keys(expected).filter(isOperation);
        const polls = new Map(await Promise.all(operations.map(poll)));
        const { progress, drained } = drainProgress(expected, polls);
        onTick?.(progress);
        if (drained) return;
        if (Date.now() > deadline)
          throw new Error(
            `pipeline did not drain within ${timeoutMs} ms: ${JSON.stringify(Object.fromEntries(progress))}`,
          );
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      await frontDesk?.stop();
      await fleet.stop();
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
