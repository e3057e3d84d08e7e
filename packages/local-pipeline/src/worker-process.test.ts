/**
 * The worker's process settings (`WORKER_PROCESS_ENV`, `WORKER_NODE_FLAGS`: the same in its
 * image and here) judged by what V8 does with them in a real worker process, read from the
 * worker's own /metrics (prom-client's `nodejs_gc_duration_seconds`, one count per GC kind).
 */
import { PROBE_PATHS } from '@darkroom/pipeline-spec';
import sharp from 'sharp';
import { afterEach, expect, it } from 'vitest';
import { type LocalPipeline, type WorkerProcess, startLocalPipeline } from './index.ts';

let pipeline: LocalPipeline | undefined;
afterEach(async () => {
  await pipeline?.stop();
  pipeline = undefined;
});

/** A 4 MP photo of film grain: ~2 MB, since grain compresses like a real photo's detail. */
function grainPhoto(): Promise<Buffer> {
  return sharp({
    create: {
      width: 2000,
      height: 2000,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 30 },
    },
  })
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function fullGcs(worker: WorkerProcess): Promise<number> {
  const port = worker.healthPort();
  if (port === undefined) throw new Error(`${worker.name} has not reported its health port`);
  const response = await fetch(`http://127.0.0.1:${port}${PROBE_PATHS.metrics}`);
  const text = await response.text();
  if (!text.includes('# TYPE nodejs_gc_duration_seconds histogram'))
    throw new Error(`no GC metrics in the worker's /metrics:\n${text}`);
  // A kind appears once V8 has run a GC of it.
  const count = /^nodejs_gc_duration_seconds_count\{kind="major"\} (\d+)$/m.exec(text)?.[1];
  return Number(count ?? 0);
}

// Node reads each download in 64 KB buffers and copies the body out of them again: memory V8
// counts as external and frees when it collects the buffers' objects, young ones at the next
// scavenge. If 64 MB pile up first, V8 forces a full mark-compact ("external memory pressure",
// `--trace-incremental-marking`). With the 16 MB semi-space workers had, scavenges were rare
// and this test saw 3–4 full GCs over its 80 photos (~1.5 ms of CPU per thumbnail in the bench,
// packages/local-pipeline/README.md); with the spec's 2 MB, none.
it('a worker frees each download’s network buffers in young-generation GCs, not in a full GC every few photos', async () => {
  const photo = await grainPhoto();
  const [warmup, photos] = [40, 80];
  expect(
    photo.byteLength * photos * 2,
    'enough external memory for 2 forced full GCs',
  ).toBeGreaterThan(2 * 64 * 1024 * 1024);
  pipeline = await startLocalPipeline({
    operations: ['thumbnail'],
    workersPerOperation: 1,
    concurrency: 1,
  });
  const [worker] = pipeline.workers;
  if (!worker) throw new Error('no thumbnail worker started');
  await worker.ready;
  // Warm up first: V8 grows the young generation to its maximum only once it sees the load.
  for (let n = 0; n < warmup; n++) await pipeline.upload('thumbnail', `warmup/${n}.jpg`, photo);
  await pipeline.waitForDrain({ thumbnail: warmup }, { timeoutMs: 100_000 });
  const before = await fullGcs(worker);
  for (let n = 0; n < photos; n++) await pipeline.upload('thumbnail', `grain/${n}.jpg`, photo);
  await pipeline.waitForDrain({ thumbnail: warmup + photos }, { timeoutMs: 100_000 });
  expect(await pipeline.readDeadLetters('thumbnail')).toEqual([]);
  expect(await fullGcs(worker), 'full GCs while processing the photos').toBeLessThanOrEqual(
    before + 1,
  );
});
