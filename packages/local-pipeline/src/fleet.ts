/**
 * The worker processes of a local pipeline: named `<op>-<n>`, each with the environment a pod
 * would get, supervised (restarted with back-off, as Kubernetes does) when a policy is given.
 */
import { type CreatedTopology, type LocalAws, workerEnvironment } from '@darkroom/local-aws';
import { type Operation, WORKER_ENV } from '@darkroom/pipeline-spec';
import {
  CrashLoopError,
  type RestartPolicy,
  type SupervisorEvents,
  type WorkerSlot,
  superviseWorker,
} from './supervisor.ts';
import { type WorkerLogLine, type WorkerProcess, spawnWorker } from './workers.ts';

export interface FleetOptions {
  /** Photos in flight per worker process. */
  readonly concurrency: number;
  readonly visibilityTimeoutSeconds?: number;
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
}

export class WorkerFleet {
  /** Every worker process started, replacements included. */
  readonly workers: WorkerProcess[] = [];
  readonly #supervisors: { slot: WorkerSlot; stop: () => void }[] = [];
  readonly #counters = new Map<Operation, number>();
  #crashLoop: CrashLoopError | undefined;

  readonly aws: LocalAws;
  readonly topology: CreatedTopology;
  readonly options: FleetOptions;

  constructor(aws: LocalAws, topology: CreatedTopology, options: FleetOptions) {
    this.aws = aws;
    this.topology = topology;
    this.options = options;
  }

  /** Set once a supervised worker kept dying. */
  get crashLoop(): CrashLoopError | undefined {
    return this.#crashLoop;
  }

  slots(): readonly WorkerSlot[] {
    return this.#supervisors.map((s) => s.slot);
  }

  add(operation: Operation): WorkerProcess {
    const n = (this.#counters.get(operation) ?? 0) + 1;
    this.#counters.set(operation, n);
    const name = `${operation}-${n}`;
    const worker = this.#spawn(operation, name);
    const policy = this.options.restartPolicy;
    if (policy)
      this.#supervisors.push(
        superviseWorker(worker, () => this.#spawn(operation, name), policy, {
          ...(this.options.onWorkerRestart ? { onRestart: this.options.onWorkerRestart } : {}),
          onGiveUp: (error) => (this.#crashLoop ??= error),
        }),
      );
    return worker;
  }

  /** SIGTERM every worker (they drain) and wait for them. */
  async stop(): Promise<void> {
    for (const s of this.#supervisors) s.stop();
    for (const w of this.workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    await Promise.all(this.workers.map((w) => w.exited));
  }

  #spawn(operation: Operation, name: string): WorkerProcess {
    const o = this.options;
    const visibility =
      o.visibilityTimeoutSeconds ??
      this.topology.queues[operation].topology.visibilityTimeoutSeconds;
    const worker = spawnWorker({
      operation,
      name,
      env: {
        ...workerEnvironment(this.aws, this.topology, operation, name),
        [WORKER_ENV.concurrency]: String(o.concurrency),
        [WORKER_ENV.visibilityTimeoutSeconds]: String(visibility),
        ...(o.shutdownGraceSeconds
          ? { [WORKER_ENV.shutdownGraceSeconds]: String(o.shutdownGraceSeconds) }
          : {}),
        ...o.workerEnv,
      },
      ...(o.onWorkerLine ? { onLine: o.onWorkerLine } : {}),
    });
    this.workers.push(worker);
    return worker;
  }
}
