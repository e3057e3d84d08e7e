/**
 * Cold start of each worker image, as production runs it: `podman run` → the worker's own
 * "worker ready" log line (health server up, first queue poll answered), N times per image,
 * one container at a time. Needs the images (`npx nx run-many -t image`).
 * Usage: node --conditions=@darkroom/source packages/worker-images/bench/cold-start.ts [runs]
 */
import { createTopology, startLocalAws } from '@darkroom/local-aws';
import { OPERATIONS, WORKER_ENV } from '@darkroom/pipeline-spec';
import { builtImage, podman, startWorkerContainer } from '../src/index.ts';

const runs = Number(process.argv[2] ?? 5);
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

const aws = await startLocalAws();
try {
  const topology = await createTopology(aws, { bucket: 'darkroom-cold-start' });
  console.log(
    `cold start, median of ${runs} runs (ms)\n\nimage      size MB  process→ready  podman run→ready`,
  );
  for (const operation of OPERATIONS) {
    const image = await builtImage(operation);
    const queue = topology.queues[operation];
    const processMs: number[] = [];
    const runMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const name = `darkroom-bench-${operation}-${process.pid}`;
      const worker = await startWorkerContainer({
        image,
        name,
        env: {
          ...aws.env,
          [WORKER_ENV.queueUrl]: queue.queueUrl,
          [WORKER_ENV.deadLetterQueueUrl]: queue.deadLetterQueueUrl,
          [WORKER_ENV.bucket]: topology.bucket,
        },
      });
      processMs.push(worker.readyAt - worker.startedAt);
      runMs.push(worker.readyAt - worker.launchedAt);
      await podman(['rm', '--force', name]);
    }
    console.log(
      `${operation.padEnd(10)} ${String(Math.round(image.sizeBytes / 1e6)).padStart(7)}  ${String(median(processMs)).padStart(13)}  ${String(median(runMs)).padStart(16)}`,
    );
  }
} finally {
  await aws.close();
}
