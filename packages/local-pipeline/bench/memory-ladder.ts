/**
 * `npm run bench:memory`: one thumbnail worker fed a ladder of ever larger real JPEGs (2 … 64 MB,
 * one at a time, twice over), its resident memory read from /proc after each photo and after
 * 10 s idle. Before the source pool was bounded by bytes this went 92 → 1,203 MB and stayed
 * (issue 21 item 6), above the pod's 1 Gi limit. Prints a table; exit 1 if RSS ever passes the
 * pod limit or idles above half of it. Not a CI test: it takes a few minutes and 2 GB of disk I/O.
 */
import { readFileSync } from 'node:fs';
import { WORKER_RESOURCES } from '@darkroom/pipeline-spec';
import sharp from 'sharp';
import { startLocalPipeline } from '../src/index.ts';

const MB = 1024 * 1024;
const LADDER_MB = [2, 4, 8, 12, 16, 24, 32, 40, 48, 56, 64];

/** A real JPEG of about `mb` MB: Gaussian noise at quality 100 compresses badly, on purpose. */
async function jpegOf(mb: number): Promise<Buffer> {
  let side = Math.round(Math.sqrt((mb * MB) / 2.2));
  for (;;) {
    const jpeg = await sharp({
      create: {
        width: side,
        height: side,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 80 },
      },
    })
      .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
      .toBuffer();
    if (jpeg.byteLength >= mb * MB * 0.9 || side > 9500) return jpeg;
    side = Math.round(side * Math.sqrt((mb * MB) / jpeg.byteLength));
  }
}

const rssMb = (pid: number | undefined): number => {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
};

const sources = [];
for (const mb of LADDER_MB) sources.push(await jpegOf(mb));
const pipeline = await startLocalPipeline({
  operations: ['thumbnail'],
  workersPerOperation: 1,
  concurrency: 1,
});
const worker = pipeline.workers[0];
const rows: string[][] = [['round', 'source MB', 'RSS MB after']];
try {
  await worker?.ready;
  rows.push(['-', 'start', String(rssMb(worker?.child.pid))]);
  let n = 0;
  for (const round of [1, 2])
    for (const source of sources) {
      await pipeline.upload('thumbnail', `ladder/${n++}.jpg`, source);
      await pipeline.waitForDrain({ thumbnail: n });
      rows.push([
        String(round),
        (source.byteLength / MB).toFixed(1),
        String(rssMb(worker?.child.pid)),
      ]);
    }
  await new Promise((r) => setTimeout(r, 10_000));
  const idle = rssMb(worker?.child.pid);
  rows.push(['-', 'idle 10 s', String(idle)]);
  const peak = Math.round(worker?.peakRssMb() ?? 0);
  const limitMb =
    Number.parseInt(WORKER_RESOURCES.memory, 10) *
    (WORKER_RESOURCES.memory.endsWith('Gi') ? 1024 : 1);
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c] ?? 0)).join('  '));
  console.log(`peak RSS ${peak} MB, idle ${idle} MB, pod limit ${limitMb} MiB`);
  process.exitCode = peak > limitMb || idle > limitMb / 2 ? 1 : 0;
} finally {
  await pipeline.stop();
}
