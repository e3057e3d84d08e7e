/**
 * `npm run bench:pipeline [-- --input DIR] [--repeat N]`: how much of raw image-ops throughput
 * survives the full pipeline (S3 GET → worker → S3 PUT, SQS receive/delete, process boundaries),
 * measured side by side in one run on the same photos with the same CPU:
 *   (a) raw: image-ops in this process, 2 photos in flight (2 lanes on 2 cores);
 *   (b) pipeline: 2 worker processes × 1 photo each, photos uploaded beforehand (upload not timed;
 *       timing runs from the workers being ready to the last photo stored).
 * Reports b/a per operation and for a 40/40/20 mix, plus per-photo worker overhead outside sharp,
 * and writes the same figures as JSON for the capacity planner (`--json FILE`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { imageOperations, tuneSharpForWorker } from '@darkroom/image-ops';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import { OPERATIONS, type Operation } from '@darkroom/pipeline-spec';
import { listFiles, planUploads, startLocalPipeline, waitUntilReady } from '../src/index.ts';
import { percentile } from '../src/stats.ts';

const { values: args } = parseArgs({
  options: {
    input: { type: 'string', default: SAMPLE_PHOTOS_DIR },
    repeat: { type: 'string', default: '20' },
    ops: { type: 'string', default: [...OPERATIONS, 'mix'].join(',') },
    concurrency: { type: 'string', default: '1' },
    json: {
      type: 'string',
      default: new URL('../../../.bench/pipeline.json', import.meta.url).pathname,
    },
  },
});
const files = listFiles(args.input ?? SAMPLE_PHOTOS_DIR).filter((f) =>
  /\.(jpe?g|png|webp)$/i.test(f),
);
const photos = Array.from({ length: Number(args.repeat) }, (_, r) =>
  files.map((path) => ({ name: `r${r}/${basename(path)}`, bytes: readFileSync(path) })),
).flat();
const LANES = 2;

interface Job {
  readonly operation: Operation;
  readonly name: string;
  readonly bytes: Buffer;
}

function procCpuMs(pid: number | undefined): number {
  const fields =
    readFileSync(`/proc/${pid ?? 'self'}/stat`, 'utf8')
      .split(') ')[1]
      ?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, 100 ticks/s
}

async function raw(jobs: readonly Job[]): Promise<{ ms: number; cpuMs: number }> {
  tuneSharpForWorker({ threadsPerPhoto: 1 });
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: LANES }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        if (job) await imageOperations[job.operation](job.bytes);
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

async function pipeline(
  jobs: readonly Job[],
  workersFor: (ops: Operation[]) => Operation[],
): Promise<{
  ms: number;
  overheadMs: number[];
  rssMb: number[];
  workerCpuMs: number;
  emulatorCpuMs: number;
}> {
  const ops = [...new Set(jobs.map((j) => j.operation))];
  const p = await startLocalPipeline({
    operations: ops,
    workersPerOperation: 0,
    concurrency: Number(args.concurrency),
  });
  try {
    for (const job of jobs) await p.upload(job.operation, job.name, job.bytes);
    await p.aws.settled();
    const workers = workersFor(ops).map((op) => p.addWorker(op));
    await waitUntilReady(workers);
    const cpuBefore = process.cpuUsage();
    const workerCpuBefore = workers.map((w) => procCpuMs(w.child.pid));
    const started = Math.min(
      ...workers.map((w) => w.lines.find((l) => l.msg === 'worker ready')?.at ?? Date.now()),
    );
    const expected = Object.fromEntries(
      ops.map((op) => [op, jobs.filter((j) => j.operation === op).length]),
    );
    await p.waitForDrain(expected);
    const emulatorCpu = process.cpuUsage(cpuBefore);
    const workerCpuMs = workers.reduce(
      (sum, w, i) => sum + procCpuMs(w.child.pid) - (workerCpuBefore[i] ?? 0),
      0,
    );
    const photoLines = workers.flatMap((w) =>
      w.lines.filter((l) => l.msg === 'photo' && l.outcome === 'processed'),
    );
    const finished = Math.max(...photoLines.map((l) => l.at));
    return {
      ms: finished - started,
      overheadMs: photoLines.map(
        (l) => Number(l['durationMs']) - Number(l['processMs']) - Number(l['waitMs']),
      ),
      rssMb: workers.map((w) => w.peakRssMb() ?? 0),
      workerCpuMs,
      emulatorCpuMs: (emulatorCpu.user + emulatorCpu.system) / 1000,
    };
  } finally {
    await p.stop();
  }
}

const rows: string[][] = [];
const measured: Record<string, unknown>[] = [];
async function compare(
  label: string,
  jobs: Job[],
  workersFor: (ops: Operation[]) => Operation[],
): Promise<void> {
  const a = await raw(jobs);
  const b = await pipeline(jobs, workersFor);
  const aRate = (jobs.length * 1000) / a.ms;
  const bRate = (jobs.length * 1000) / b.ms;
  const n = jobs.length;
  rows.push([
    label,
    String(n),
    aRate.toFixed(2),
    bRate.toFixed(2),
    (bRate / aRate).toFixed(2),
    (a.cpuMs / n).toFixed(1),
    (b.workerCpuMs / n).toFixed(1),
    (b.emulatorCpuMs / n).toFixed(1),
    (a.cpuMs / b.workerCpuMs).toFixed(2),
    `${percentile(b.overheadMs, 50)?.toFixed(0)} / ${percentile(b.overheadMs, 95)?.toFixed(0)}`,
    b.rssMb.map((r) => r.toFixed(0)).join(', '),
  ]);
  measured.push({
    workload: label,
    photos: n,
    workerProcesses: workersFor([...new Set(jobs.map((j) => j.operation))]).length,
    concurrencyPerWorker: Number(args.concurrency),
    rawLanes: LANES,
    rawPhotosPerSecond: aRate,
    pipelinePhotosPerSecond: bRate,
    rawCpuMsPerPhoto: a.cpuMs / n,
    workerCpuMsPerPhoto: b.workerCpuMs / n,
    emulatorCpuMsPerPhoto: b.emulatorCpuMs / n,
    overheadMsP50: percentile(b.overheadMs, 50),
    overheadMsP95: percentile(b.overheadMs, 95),
  });
  process.stderr.write(
    `${label}: raw ${aRate.toFixed(2)} photos/s, pipeline ${bRate.toFixed(2)} photos/s\n`,
  );
}

console.log(`# pipeline bench — ${new Date().toISOString().slice(0, 10)}`);
console.log(
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ${photos.length} photos (${files.length} files × ${args.repeat}) from ${args.input}\n`,
);
const selected = (args.ops ?? '').split(',');
for (const operation of OPERATIONS.filter((o) => selected.includes(o))) {
  await compare(
    operation,
    photos.map((p) => ({ operation, ...p })),
    () => [operation, operation],
  );
}
const mixPlan = planUploads(
  '/',
  photos.map((p) => `/${p.name}`),
  OPERATIONS,
  [40, 40, 20],
);
const mixJobs = mixPlan.map((m, i) => ({
  operation: m.operation,
  name: photos[i]?.name ?? '',
  bytes: photos[i]?.bytes ?? Buffer.alloc(0),
}));
// One worker per operation: three processes share the same two cores the raw lanes use.
if (selected.includes('mix')) await compare('mix 40/40/20', mixJobs, (ops) => ops);
console.log(
  '| workload | photos | (a) raw photos/s | (b) pipeline photos/s | b/a | raw CPU ms/photo | worker CPU ms/photo | emulator CPU ms/photo | raw ÷ worker CPU | S3/SQS time per photo outside the op and CPU queue, ms p50 / p95 | worker peak RSS MB |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
async function meanMegapixels(paths: readonly string[]): Promise<number> {
  const sizes = await Promise.all(paths.map((f) => sharp(f).metadata()));
  return sizes.reduce((s, m) => s + ((m.width ?? 0) * (m.height ?? 0)) / 1e6, 0) / sizes.length;
}

if (args.json) {
  mkdirSync(dirname(args.json), { recursive: true });
  const result = {
    kind: 'darkroom-pipeline-overhead',
    measuredAt: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
    node: process.version,
    input: {
      files: files.length,
      repeat: Number(args.repeat),
      megapixels: await meanMegapixels(files),
    },
    workloads: measured,
  };
  writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nThe same figures as JSON (for \`npm run plan\`): ${args.json}`);
}
