/**
 * `npm start`'s run: start the emulator and the workers, then the operator's own actions on
 * them (`@darkroom/operator`, what `darkroom upload`, `status`, `failed` and `results` run):
 * upload → watch the drain → read the dead letters → download the results.
 */
import { readDeadLetters, downloadResults, uploadFiles } from '@darkroom/operator';
import {
  FINAL_PHOTO_OUTCOMES,
  type Operation,
  inputPrefix,
  isPhotoLine,
} from '@darkroom/pipeline-spec';
import { type LocalPipeline, UPLOAD_PART_BYTES, startLocalPipeline } from '../pipeline.ts';
import type { PlannedUpload } from '../photos.ts';
import { ms } from '../stats.ts';
import { DEFAULT_RESTART_POLICY, describeExit } from '../supervisor.ts';
import type { StartOptions } from './args.ts';
import type { Progress } from './progress.ts';
import { type RunFacts, downloadText, summaryText } from './summary.ts';

/** When each photo was uploaded and when its result was stored, by source key (`input/<op>/…`). */
export class Latencies {
  readonly uploadedAt = new Map<string, number>();
  private readonly finishedAt = new Map<string, number>();

  finished(key: string, at: number): void {
    this.finishedAt.set(key, this.finishedAt.get(key) ?? at);
  }

  of(operation: Operation): number[] {
    return [...this.finishedAt]
      .filter(([key]) => key.startsWith(inputPrefix(operation)))
      .map(([key, done]) => done - (this.uploadedAt.get(key) ?? done))
      .filter((v) => v >= 0);
  }
}

export function startPipeline(
  options: StartOptions,
  progress: Progress,
  latencies: Latencies,
): Promise<LocalPipeline> {
  return startLocalPipeline({
    operations: options.operations,
    workersPerOperation: options.workersPerOperation,
    concurrency: options.concurrency,
    restartPolicy: DEFAULT_RESTART_POLICY,
    iam: options.iam,
    frontDesk: options.keepRunning,
    ...(options.visibilityTimeoutSeconds
      ? { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }
      : {}),
    onWorkerRestart: (slot, exit, delayMs) =>
      progress.note(
        `worker ${slot.name} died (${describeExit(exit)}); restart ${slot.restarts + 1} in ${ms(delayMs)}`,
      ),
    onWorkerLine: (worker, line) => {
      if (isPhotoLine(line) && FINAL_PHOTO_OUTCOMES.has(line.outcome))
        latencies.finished(line.key, line.at);
    },
  });
}

/** Upload the plan with the operator's upload (8 in flight); resolves with its photos/s. */
export async function uploadPlan(
  p: LocalPipeline,
  plan: readonly PlannedUpload[],
  latencies: Latencies,
  signal: AbortSignal,
): Promise<number> {
  const items = plan.map((u) => ({
    path: u.path,
    size: u.size,
    key: `${inputPrefix(u.operation)}${u.relativeKey}`,
  }));
  const report = await uploadFiles(p.aws, p.topology.bucket, items, {
    concurrency: 8,
    partSize: UPLOAD_PART_BYTES,
    resumeUnder: [],
    signal,
    onEach: (item, outcome, at) => {
      if (outcome === 'uploaded') latencies.uploadedAt.set(item.key, at);
    },
  });
  for (const failed of report.failed)
    process.stderr.write(`not uploaded: ${failed.key}: ${failed.error}\n`);
  return report.photosPerSecond;
}

/** The summary and the download, whatever happened before: what finished is kept. @returns dead letters. */
export async function summariseAndDownload(
  p: LocalPipeline,
  facts: Omit<RunFacts, 'deadLetters' | 'results' | 'latencies'>,
  latencies: Latencies,
  out: string,
): Promise<number> {
  const ops = facts.operations;
  const deadLetters = (
    await Promise.all(ops.map((op) => readDeadLetters(p.aws.sqs, p.topology.queues[op], op)))
  ).flat();
  const results = new Map(
    await Promise.all(ops.map(async (op) => [op, (await p.outputs(op)).length] as const)),
  );
  const latencyByOp = new Map(ops.map((op) => [op, latencies.of(op)] as const));
  process.stdout.write(summaryText({ ...facts, deadLetters, results, latencies: latencyByOp }, p));
  const report = await downloadResults(p.aws, p.topology.bucket, {
    operations: ops,
    out,
    concurrency: 8,
  });
  process.stdout.write(downloadText(report));
  return deadLetters.length;
}
