/**
 * `npx nx run planner:validate [-- --mp 12 --photos 60]`: the model's processing step against
 * reality. For each operation, the local pipeline processes the sample photos scaled to `--mp`
 * with 2 worker processes × 1 photo on this machine; the model predicts the same run from the
 * committed bench costs. Prints predicted vs measured worker CPU per photo and drain time, and
 * how much of the machine other processes took meanwhile. Fails when CPU per photo is off by more
 * than ±15 %, or when the drain time is while the machine was free (others < 10 % of its CPU): on
 * a contended machine wall time measures the neighbours, not the model.
 * A bench, not a test: wall time on a shared machine is not a test assertion.
 */
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import { listFiles, startLocalPipeline, waitUntilReady } from '@darkroom/local-pipeline';
import { OPERATIONS, type Operation, WORKER_LOG } from '@darkroom/pipeline-spec';
import { loadCostModel } from '../src/costs.ts';
import { predictLocalDrain } from '../src/local-prediction.ts';

const { values: args } = parseArgs({
  options: {
    mp: { type: 'string', default: '12' },
    photos: { type: 'string', default: '60' },
    tolerance: { type: 'string', default: '0.15' },
  },
});
const megapixels = Number(args.mp);
const count = Number(args.photos);
const WORKERS = 2;

async function scaled(bytes: Buffer): Promise<Buffer> {
  const meta = await sharp(bytes).metadata();
  const scale = Math.sqrt((megapixels * 1e6) / ((meta.width ?? 1) * (meta.height ?? 1)));
  return sharp(bytes)
    .resize(Math.round((meta.width ?? 1) * scale))
    .jpeg({ quality: 90 })
    .toBuffer();
}

const sources = await Promise.all(
  listFiles(SAMPLE_PHOTOS_DIR)
    .filter((f) => /\.jpe?g$/i.test(f.relativeKey))
    .map((f) => scaled(readFileSync(f.path))),
);

function procCpuMs(pid: number | undefined): number {
  const fields =
    readFileSync(`/proc/${pid ?? 'self'}/stat`, 'utf8')
      .split(') ')[1]
      ?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, 100 ticks/s
}

/** CPU ms the whole machine has spent busy (all processes), from /proc/stat. */
function machineBusyMs(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/) ?? [];
  const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
  return (
    ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 10
  );
}

interface Measured {
  readonly seconds: number;
  readonly workerCpuMsPerPhoto: number;
  /** Share of the machine's CPU capacity other processes used during the run. */
  readonly othersShare: number;
}

async function measure(operation: Operation): Promise<Measured> {
  const p = await startLocalPipeline({
    operations: [operation],
    workersPerOperation: 0,
    concurrency: 1,
  });
  try {
    for (let i = 0; i < count; i++)
      await p.upload(operation, `v/${i}.jpg`, sources[i % sources.length] ?? Buffer.alloc(0));
    await p.aws.settled();
    const workers = Array.from({ length: WORKERS }, () => p.addWorker(operation));
    await waitUntilReady(workers);
    const cpuBefore = workers.map((w) => procCpuMs(w.child.pid));
    const machineBefore = machineBusyMs();
    const selfBefore = process.cpuUsage();
    const started = Math.min(
      ...workers.map((w) => w.lines.find((l) => l.msg === WORKER_LOG.ready)?.at ?? Date.now()),
    );
    await p.waitForDrain({ [operation]: count });
    const cpu = workers.reduce(
      (sum, w, i) => sum + procCpuMs(w.child.pid) - (cpuBefore[i] ?? 0),
      0,
    );
    const self = process.cpuUsage(selfBefore);
    const others = machineBusyMs() - machineBefore - cpu - (self.user + self.system) / 1000;
    const done = workers.flatMap((w) =>
      w.lines.filter((l) => l.msg === 'photo' && l.outcome === 'processed'),
    );
    const seconds = (Math.max(...done.map((l) => l.at)) - started) / 1000;
    const capacityMs = (Date.now() - started) * cpus().length;
    return {
      seconds,
      workerCpuMsPerPhoto: cpu / count,
      othersShare: Math.max(0, others) / capacityMs,
    };
  } finally {
    await p.stop();
  }
}

const costs = loadCostModel(1);
console.log(`# planner validation — ${new Date().toISOString().slice(0, 10)}`);
console.log(
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; ${count} photos of ${megapixels} MP per operation, ${WORKERS} workers × 1 photo; costs measured ${costs.measuredAt.imageOps.slice(0, 10)}\n`,
);
console.log(
  '| operation | worker CPU ms/photo predicted | measured | error | drain s predicted | measured | error | CPU taken by other processes |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
const tolerance = Number(args.tolerance);
let failed = false;
for (const operation of OPERATIONS) {
  const measured = await measure(operation);
  const predicted = predictLocalDrain(costs, {
    operation,
    photos: count,
    megapixels,
    workers: WORKERS,
    concurrency: 1,
    cores: cpus().length,
  });
  const c = costs.photoCost(operation, megapixels);
  const cpuPredicted = (c.opCpuSeconds + c.overheadCpuSeconds) * 1000;
  const cpuError = (cpuPredicted - measured.workerCpuMsPerPhoto) / measured.workerCpuMsPerPhoto;
  const drainError = (predicted - measured.seconds) / measured.seconds;
  const uncontended = measured.othersShare < 0.1;
  if (Math.abs(cpuError) > tolerance || (uncontended && Math.abs(drainError) > tolerance))
    failed = true;
  console.log(
    `| ${operation} | ${cpuPredicted.toFixed(1)} | ${measured.workerCpuMsPerPhoto.toFixed(1)} | ${(cpuError * 100).toFixed(1)} % | ${predicted.toFixed(2)} | ${measured.seconds.toFixed(2)} | ${(drainError * 100).toFixed(1)} %${uncontended ? '' : ' (contended)'} | ${(measured.othersShare * 100).toFixed(0)} % |`,
  );
}
console.log(
  `\nAllowed ±${tolerance * 100} %; drain time is judged only when other processes took < 10 % of the machine.`,
);
if (failed) process.exitCode = 1;
