/**
 * `npm run bench:pipeline [-- --input DIR] [--repeat N] [--cpu-prof DIR]`: how much of raw image-ops throughput
 * survives the full pipeline (S3 GET → worker → S3 PUT, SQS receive/delete, process boundaries),
 * measured side by side in one run on the same photos with the same CPU:
 *   (a) raw: image-ops in this process, 2 photos in flight (2 lanes on 2 cores);
 *   (b) pipeline: 2 worker processes × 1 photo each; photos uploaded while the workers are
 *       paused (upload not timed; timing runs from their release to the last photo stored).
 * Each side first processes `--warmup` photos per operation, not measured (see warmupFor).
 * Reports b/a per operation and for a 40/40/20 mix, plus per-photo worker overhead outside sharp,
 * writes the same figures as JSON for the capacity planner (`--json FILE`), and prints each
 * worker's RSS over time (sampled every second). Workers run with the image's allocator settings
 * (`WORKER_PROCESS_ENV`), and so does this process, raw lanes included (it re-runs itself under
 * them).
 *
 * `--memory N`: instead, one worker with 2 photos in flight processes N photos of each selected
 * operation (cycling through the input files) and the RSS timeline is the result.
 * `--soak`: the fault soak instead (bench/soak.ts).
 *
 * The cost of IAM enforcement: the pipeline also runs without it (`--no-iam`), alternating
 * off/on/off/on, for emulator and total (workers + emulator) CPU per photo side by side (means of
 * two runs each); and the IAM layer's own CPU, timed by replaying the run's judged requests
 * through a cold copy of the emulator's access control (the side-by-side delta is within the
 * noise of a shared machine; the replay is not).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { imageOperations, tuneSharpForWorker } from '@darkroom/image-ops';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import {
  OPERATIONS,
  type Operation,
  WORKER_PROCESS_ENV,
  isPhotoLine,
} from '@darkroom/pipeline-spec';
import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  type LocalFile,
  type LocalPipeline,
  listFiles,
  planUploads,
  startLocalPipeline,
  waitUntilReady,
} from '../src/index.ts';
import { percentile } from '../src/stats.ts';

runUnderWorkerAllocator();

/**
 * glibc reads its malloc settings once, at start-up, so this process re-runs itself under the
 * workers' (`WORKER_PROCESS_ENV`) when started without them: the raw lanes then run image-ops
 * under the same allocator as the workers, and raw ÷ worker measures the worker's own cost, not
 * two allocators (the mmap threshold alone moves libvips' CPU per thumbnail by ~5 %, see README).
 */
function runUnderWorkerAllocator(): void {
  const malloc = Object.entries(WORKER_PROCESS_ENV).filter(([name]) => name.startsWith('MALLOC_'));
  if (malloc.every(([name, value]) => process.env[name] === value)) return;
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, ...Object.fromEntries(malloc) },
  });
  process.exit(child.status ?? 1);
}

const { values: args } = parseArgs({
  options: {
    input: { type: 'string', default: SAMPLE_PHOTOS_DIR },
    repeat: { type: 'string', default: '20' },
    ops: { type: 'string', default: [...OPERATIONS, 'mix'].join(',') },
    concurrency: { type: 'string', default: '1' },
    // --no-iam-cost: skip the runs without IAM that measure its cost.
    'iam-cost': { type: 'boolean', default: true },
    json: {
      type: 'string',
      default: new URL('../../../.bench/pipeline.json', import.meta.url).pathname,
    },
    memory: { type: 'string' },
    'cpu-prof': { type: 'string' },
    soak: { type: 'boolean', default: false },
    minutes: { type: 'string', default: '0' },
    photos: { type: 'string', default: '2000' },
    // Photos per operation each side processes before measuring (see warmupFor).
    warmup: { type: 'string', default: '26' },
  },
  allowNegative: true,
});
const workerEnv = {
  ...WORKER_PROCESS_ENV,
  ...(args['cpu-prof']
    ? {
        NODE_OPTIONS: `${WORKER_PROCESS_ENV.NODE_OPTIONS} --cpu-prof --cpu-prof-dir=${args['cpu-prof']}`,
      }
    : {}),
};
const files = listFiles(args.input ?? SAMPLE_PHOTOS_DIR).filter((f) =>
  /\.(jpe?g|png|webp)$/i.test(f.relativeKey),
);
const photos = args.memory
  ? Array.from({ length: Number(args.memory) }, (_, n) => {
      const file = files[n % files.length];
      return {
        name: `m${n}/${basename(file?.relativeKey ?? '')}`,
        bytes: file ? readFileSync(file.path) : Buffer.alloc(0),
      };
    })
  : Array.from({ length: Number(args.repeat) }, (_, r) =>
      files.map((f) => ({ name: `r${r}/${basename(f.relativeKey)}`, bytes: readFileSync(f.path) })),
    ).flat();
const LANES = 2;

if (args.soak) {
  const { runSoak } = await import('./soak.ts');
  const result = await runSoak(
    files.map((f) => readFileSync(f.path)),
    Number(args.photos),
    Number(args.minutes),
  );
  console.log(
    `| photos | overwrites (reverts) | deletes | workers killed | restarts | lost | stale | duplicated | dead-lettered | wall time |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n| ${result.photos} | ${result.overwrites} (${result.reverts}) | ${result.deletes} | ${result.kills} | ${result.restarts} | ${result.lost} | ${result.stale} | ${result.duplicated} | ${result.deadLettered} | ${(result.wallMs / 1000).toFixed(0)} s |`,
  );
  const clean = result.lost + result.stale + result.duplicated + result.deadLettered === 0;
  process.exit(clean ? 0 : 1);
}

interface Job {
  readonly operation: Operation;
  readonly name: string;
  readonly bytes: Buffer;
}

/** Resident set size of a process now, in MB (Linux VmRSS). */
function rssMb(pid: number | undefined): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid ?? 'self'}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) / 1024;
}

/** Sample each worker's RSS every second until stopped. */
function sampleRss(pids: readonly (number | undefined)[]): () => number[][] {
  const samples: number[][] = [];
  const timer = setInterval(() => {
    try {
      samples.push(pids.map(rssMb));
    } catch {
      // a worker exited: the caller stops sampling next
    }
  }, 1_000);
  return () => {
    clearInterval(timer);
    return samples;
  };
}

/** RSS at ten evenly spaced moments of the run, per worker, in MB. */
function rssTimeline(samples: readonly number[][]): string {
  if (samples.length === 0) return '-';
  const picks = Array.from({ length: Math.min(10, samples.length) }, (_, i) =>
    Math.round(((samples.length - 1) * i) / Math.max(1, Math.min(10, samples.length) - 1)),
  );
  return picks.map((i) => (samples[i] ?? []).map((mb) => mb.toFixed(0)).join('+')).join(' → ');
}

/** Fields of `/proc/<pid>/stat` after the command name (state first). */
function procStat(pid: number | undefined): string[] {
  return (
    readFileSync(`/proc/${pid ?? 'self'}/stat`, 'utf8')
      .split(') ')[1]
      ?.split(' ') ?? []
  );
}

function procCpuMs(pid: number | undefined): number {
  const fields = procStat(pid);
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, 100 ticks/s
}

/**
 * Minor page faults so far: each is a fresh page the kernel zeroes, which is how memory handed
 * back to the system and taken again shows up as CPU.
 */
function procMinorFaults(pid: number | undefined): number {
  return Number(procStat(pid)[7]);
}

/** Thread kinds of a Node process running sharp, by the names Linux reports for them. */
const THREAD_KINDS = {
  'libvips worker': 'libvips',
  MainThread: 'main (JS)',
  V8Worker: 'V8 helpers (GC, compiler)',
  'libuv-worker': 'libuv pool',
} as const;
type ThreadKind = (typeof THREAD_KINDS)[keyof typeof THREAD_KINDS];

/** CPU ms so far of each kind of thread of a process (`/proc/<pid>/task/<tid>/stat`). */
function cpuByThreadKind(pid: number | undefined): Map<ThreadKind | 'other', number> {
  const byKind = new Map<ThreadKind | 'other', number>();
  const dir = `/proc/${pid ?? 'self'}/task`;
  for (const tid of readdirSync(dir)) {
    let stat: string;
    try {
      stat = readFileSync(`${dir}/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    const kind = Object.entries(THREAD_KINDS).find(([n]) => n === name)?.[1] ?? 'other';
    byKind.set(kind, (byKind.get(kind) ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10);
  }
  return byKind;
}

/** `after − before`, summed over processes. */
function cpuDelta(
  before: readonly Map<ThreadKind | 'other', number>[],
  after: readonly Map<ThreadKind | 'other', number>[],
): Map<ThreadKind | 'other', number> {
  const delta = new Map<ThreadKind | 'other', number>();
  after.forEach((a, i) => {
    for (const [kind, ms] of a)
      delta.set(kind, (delta.get(kind) ?? 0) + ms - (before[i]?.get(kind) ?? 0));
  });
  return delta;
}

/**
 * The photos each side processes before it is measured: the first `--warmup` of each
 * operation's jobs under other names. A worker's first photos pay once for what a pod pays once
 * in its life (lazily loaded SDK modules, V8 compiling the hot path), as its start-up does,
 * which the bench already leaves out; the raw lanes warm up on the same photos.
 */
function warmupFor(jobs: readonly Job[]): Job[] {
  const perOperation = Number(args.warmup);
  const ops = [...new Set(jobs.map((j) => j.operation))];
  return ops.flatMap((op) =>
    jobs
      .filter((j) => j.operation === op)
      .slice(0, perOperation)
      .map((j) => ({ ...j, name: `warmup/${j.name}` })),
  );
}

/** Photos per operation. */
function countByOperation(jobs: readonly Job[]): Partial<Record<Operation, number>> {
  const counts: Partial<Record<Operation, number>> = {};
  for (const j of jobs) counts[j.operation] = (counts[j.operation] ?? 0) + 1;
  return counts;
}

async function raw(jobs: readonly Job[]): Promise<{
  ms: number;
  cpuMs: number;
  byThread: Map<ThreadKind | 'other', number>;
  minorFaults: number;
}> {
  tuneSharpForWorker({ threadsPerPhoto: 1 });
  for (const job of warmupFor(jobs)) await imageOperations[job.operation](job.bytes);
  let next = 0;
  const threadsBefore = cpuByThreadKind(undefined);
  const faultsBefore = procMinorFaults(undefined);
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
  return {
    ms: performance.now() - started,
    cpuMs: (used.user + used.system) / 1000,
    byThread: cpuDelta([threadsBefore], [cpuByThreadKind(undefined)]),
    minorFaults: procMinorFaults(undefined) - faultsBefore,
  };
}

async function pipeline(
  jobs: readonly Job[],
  workersFor: (ops: Operation[]) => Operation[],
  iam: boolean,
): Promise<{
  ms: number;
  overheadMs: number[];
  rssMb: number[];
  rssOverTime: string;
  workerCpuMs: number;
  /** The workers' CPU by kind of thread. */
  byThread: Map<ThreadKind | 'other', number>;
  minorFaults: number;
  emulatorCpuMs: number;
  simulations: number;
  /** CPU of the IAM layer for this run's requests (replayed), and how many were judged. */
  iamCpuMs: number;
  judged: number;
}> {
  const ops = [...new Set(jobs.map((j) => j.operation))];
  const p = await startLocalPipeline({
    operations: ops,
    workersPerOperation: 0,
    concurrency: Number(args.concurrency),
    workerEnv,
    iam,
  });
  try {
    const warmup = warmupFor(jobs);
    for (const job of warmup) await p.upload(job.operation, job.name, job.bytes);
    await p.aws.settled();
    const workers = workersFor(ops).map((op) => p.addWorker(op));
    await waitUntilReady(workers);
    await p.waitForDrain(countByOperation(warmup), { timeoutMs: 3_600_000 });
    // Paused while the measured photos go up, so the run starts with all of them queued.
    for (const w of workers) w.child.kill('SIGSTOP');
    for (const job of jobs) await p.upload(job.operation, job.name, job.bytes);
    await p.aws.settled();
    const cpuBefore = process.cpuUsage();
    const simulationsBefore = p.aws.access.evaluations;
    p.aws.access.startRecording();
    const workerCpuBefore = workers.map((w) => procCpuMs(w.child.pid));
    const faultsBefore = workers.map((w) => procMinorFaults(w.child.pid));
    const threadsBefore = workers.map((w) => cpuByThreadKind(w.child.pid));
    const stopSampling = sampleRss(workers.map((w) => w.child.pid));
    const started = Date.now();
    for (const w of workers) w.child.kill('SIGCONT');
    await p.waitForDrain(countByOperation([...warmup, ...jobs]), { timeoutMs: 3_600_000 });
    const rssSamples = stopSampling();
    const byThread = cpuDelta(
      threadsBefore,
      workers.map((w) => cpuByThreadKind(w.child.pid)),
    );
    const emulatorCpu = process.cpuUsage(cpuBefore);
    const judged = p.aws.access.recorded ?? [];
    const replay = p.aws.access.fresh();
    const replayCpu = process.cpuUsage();
    for (const r of judged) await replay.authorize(r.accessKeyId, r.request);
    const iamCpu = process.cpuUsage(replayCpu);
    const workerCpuMs = workers.reduce(
      (sum, w, i) => sum + procCpuMs(w.child.pid) - (workerCpuBefore[i] ?? 0),
      0,
    );
    const minorFaults = workers.reduce(
      (sum, w, i) => sum + procMinorFaults(w.child.pid) - (faultsBefore[i] ?? 0),
      0,
    );
    const photoLines = workers.flatMap((w) =>
      w.lines
        .filter(isPhotoLine)
        .filter((l) => l.outcome === 'processed' && !l.key.includes('/warmup/')),
    );
    // The timeline is what matters over a long run; the lines need not stay in memory.
    for (const w of workers) w.lines.length = 0;
    const finished = Math.max(...photoLines.map((l) => l.at));
    return {
      ms: finished - started,
      overheadMs: photoLines.map((l) => l.durationMs - l.processMs - l.waitMs),
      rssMb: workers.map((w) => w.peakRssMb() ?? 0),
      rssOverTime: rssTimeline(rssSamples),
      workerCpuMs,
      byThread,
      minorFaults,
      emulatorCpuMs: (emulatorCpu.user + emulatorCpu.system) / 1000,
      simulations: p.aws.access.evaluations - simulationsBefore,
      iamCpuMs: iam ? (iamCpu.user + iamCpu.system) / 1000 : 0,
      judged: judged.length,
    };
  } finally {
    await p.stop();
  }
}

/** Delete every object of the pipeline's bucket (sources and results of a finished wave). */
async function clearBucket(p: LocalPipeline): Promise<void> {
  for (;;) {
    const page = await p.aws.s3.send(new ListObjectsV2Command({ Bucket: p.topology.bucket }));
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length === 0) return;
    await p.aws.s3.send(
      new DeleteObjectsCommand({ Bucket: p.topology.bucket, Delete: { Objects: keys } }),
    );
  }
}

/**
 * One worker, `--concurrency` photos in flight, all `jobs` in waves of 100 (the emulator keeps
 * objects in memory, so each wave's sources and results are deleted before the next).
 */
async function memoryRun(operation: Operation, jobs: readonly { name: string; bytes: Buffer }[]) {
  const p = await startLocalPipeline({
    operations: [operation],
    workersPerOperation: 1,
    concurrency: Number(args.concurrency),
    workerEnv,
  });
  const worker = p.workers[0];
  const stopSampling = sampleRss([worker?.child.pid]);
  const started = Date.now();
  try {
    for (let i = 0; i < jobs.length; i += 100) {
      const wave = jobs.slice(i, i + 100);
      for (const job of wave) await p.upload(operation, job.name, job.bytes);
      await p.waitForDrain({ [operation]: wave.length }, { timeoutMs: 3_600_000 });
      await clearBucket(p);
      if (worker) worker.lines.length = 0;
      process.stderr.write(
        `${operation}: ${i + wave.length}/${jobs.length}, RSS ${rssMb(worker?.child.pid).toFixed(0)} MB\n`,
      );
    }
  } finally {
    const samples = stopSampling();
    const peak = worker?.peakRssMb() ?? 0;
    await p.stop();
    console.log(
      `${operation}: ${jobs.length} photos in ${((Date.now() - started) / 1000).toFixed(0)} s, 1 worker × ${args.concurrency} in flight, peak RSS ${peak.toFixed(0)} MB; RSS over time (MB): ${rssTimeline(samples)}`,
    );
  }
}

const rows: string[][] = [];
const measured: Record<string, unknown>[] = [];
const rssRows: string[] = [];
const iamRows: string[][] = [];
const threadRows: string[][] = [];
async function compare(
  label: string,
  jobs: Job[],
  workersFor: (ops: Operation[]) => Operation[],
): Promise<void> {
  const a = await raw(jobs);
  const costOfIam = args['iam-cost'] !== false;
  const off1 = costOfIam ? await pipeline(jobs, workersFor, false) : undefined;
  const b = await pipeline(jobs, workersFor, true);
  const off2 = costOfIam ? await pipeline(jobs, workersFor, false) : undefined;
  const on2 = costOfIam ? await pipeline(jobs, workersFor, true) : undefined;
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
  rssRows.push(`| ${label} | ${n} | ${b.rssOverTime} |`);
  for (const [side, run] of [
    ['raw', a],
    ['worker', b],
  ] as const)
    threadRows.push([
      label,
      side,
      ...[...Object.values(THREAD_KINDS), 'other' as const].map((k) =>
        ((run.byThread.get(k) ?? 0) / n).toFixed(1),
      ),
      (run.minorFaults / n).toFixed(0),
    ]);
  process.stderr.write(
    `${label}: raw ${aRate.toFixed(2)} photos/s, pipeline ${bRate.toFixed(2)} photos/s\n`,
  );
  if (off1 && off2 && on2) iamRows.push(iamCostRow(label, n, [off1, off2], [b, on2]));
}

interface Run {
  readonly workerCpuMs: number;
  readonly emulatorCpuMs: number;
  readonly iamCpuMs: number;
  readonly judged: number;
  readonly simulations: number;
}

/** Means of two runs each without and with IAM, per photo. */
function iamCostRow(label: string, n: number, off: [Run, Run], on: [Run, Run]): string[] {
  const [off1, off2] = off;
  const [b, on2] = on;
  const mean = (x: Run, y: Run, f: (r: Run) => number) => (f(x) + f(y)) / 2 / n;
  const emulator = (r: Run) => r.emulatorCpuMs;
  const total = (r: Run) => r.workerCpuMs + r.emulatorCpuMs;
  const totalOff = mean(off1, off2, total);
  const totalOn = mean(b, on2, total);
  const iamLayer = (b.iamCpuMs + on2.iamCpuMs) / 2 / n;
  return [
    label,
    String(n),
    mean(off1, off2, emulator).toFixed(1),
    mean(b, on2, emulator).toFixed(1),
    totalOff.toFixed(1),
    totalOn.toFixed(1),
    `${(((totalOn - totalOff) / totalOff) * 100).toFixed(1)} %`,
    ((b.judged + on2.judged) / 2 / n).toFixed(1),
    ((b.simulations + on2.simulations) / 2 / n).toFixed(2),
    `${iamLayer.toFixed(2)} (${((iamLayer / totalOff) * 100).toFixed(1)} %)`,
  ];
}

console.log(`# pipeline bench — ${new Date().toISOString().slice(0, 10)}`);
console.log(
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ${photos.length} photos (${files.length} files × ${args.repeat}) from ${args.input}\n`,
);
const selected = (args.ops ?? '').split(',');
if (args.memory) {
  for (const operation of OPERATIONS.filter((o) => selected.includes(o)))
    await memoryRun(operation, photos);
  process.exit(0);
}
for (const operation of OPERATIONS.filter((o) => selected.includes(o))) {
  await compare(
    operation,
    photos.map((p) => ({ operation, ...p })),
    () => [operation, operation],
  );
}
const mixPlan = planUploads(
  photos.map((p) => ({ path: Buffer.from(p.name), relativeKey: p.name })),
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
console.log(
  `\nCPU ms per photo by thread (Linux thread CPU; raw is this process during (a), worker the workers during (b)), and minor page faults per photo:\n\n| workload | side | ${[...Object.values(THREAD_KINDS), 'other'].join(' | ')} | page faults |\n|---|---|---:|---:|---:|---:|---:|---:|`,
);
for (const r of threadRows) console.log(`| ${r.join(' | ')} |`);
if (iamRows.length > 0) {
  console.log('\nIAM enforcement (same photos, pipeline run with and without it):\n');
  console.log(
    '| workload | photos | emulator CPU ms/photo, no IAM | emulator CPU ms/photo, IAM | total CPU ms/photo, no IAM | total CPU ms/photo, IAM | increase of total | requests judged/photo | simulations/photo | IAM layer CPU ms/photo, replayed (of total, no IAM) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of iamRows) console.log(`| ${r.join(' | ')} |`);
}

async function meanMegapixels(inputs: readonly LocalFile[]): Promise<number> {
  const sizes = await Promise.all(inputs.map((f) => sharp(readFileSync(f.path)).metadata()));
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
console.log('\nWorker RSS over the run (MB, ten evenly spaced samples, one figure per worker):\n');
console.log('| workload | photos | RSS start → end |');
console.log('|---|---:|---|');
for (const r of rssRows) console.log(r);
