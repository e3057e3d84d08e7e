/**
 * `npm start [-- options]`: run Darkroom end to end on this machine (options: see USAGE).
 *
 * Exit code: 0 when every photo produced its outputs, 2 when some went to a DLQ, 1 on a crash or
 * a worker that kept dying, 128 + signal number when stopped by SIGINT, SIGTERM or SIGHUP.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MultiBar, Presets } from 'cli-progress';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import {
  FINAL_PHOTO_OUTCOMES,
  LOCAL_TARGET_FILE,
  OPERATIONS,
  type Operation,
  VISIBILITY_TIMEOUT_SECONDS,
  inputPrefix,
  isOperation,
  isPhotoLine,
  outputPrefix,
} from '@darkroom/pipeline-spec';
import { LOCAL_CREDENTIALS } from '@darkroom/local-aws';
import { type DownloadReport, downloadResults } from './download.ts';
import { type DeadLetter, type LocalPipeline, startLocalPipeline } from './pipeline.ts';
import { type PlannedUpload, listFiles, planUploads } from './photos.ts';
import { ms, percentile, table } from './stats.ts';
import { DEFAULT_RESTART_POLICY, describeExit } from './supervisor.ts';

const USAGE = `Usage: npm start [-- options]

  --input DIR        photos to upload, recursively (default: the sample photos)
  --ops a,b          operations to run (default: ${OPERATIONS.join(',')})
  --mix 40,40,20     split the photos between the operations instead of sending each to all
  --workers N        worker processes per operation (default: sized to the CPUs)
  --concurrency N    photos in flight per worker (default 1)
  --out DIR          where results are downloaded (default ./darkroom-out)
  --visibility-timeout S
                     seconds before photos held by a dead worker go to another (default ${VISIBILITY_TIMEOUT_SECONDS})
  --keep-running     leave the emulator and workers up, print how to reach them and write
                     ${LOCAL_TARGET_FILE}, the target \`npx darkroom --local …\` reads
  --no-iam           do not enforce IAM in the emulator (debugging; on by default)
  -h, --help         this text

Exit code: 0 all photos done, 2 some in a dead-letter queue, 1 crash or a worker that kept dying.
`;

function fail(message: string): never {
  process.stderr.write(`darkroom: ${message}\n`);
  process.exit(1);
}

function readArgs() {
  try {
    return parseArgs({
      strict: true,
      allowPositionals: false,
      options: {
        input: { type: 'string', default: SAMPLE_PHOTOS_DIR },
        ops: { type: 'string', default: OPERATIONS.join(',') },
        mix: { type: 'string' },
        workers: { type: 'string' },
        concurrency: { type: 'string', default: '1' },
        out: { type: 'string', default: 'darkroom-out' },
        'visibility-timeout': { type: 'string' },
        'keep-running': { type: 'boolean', default: false },
        iam: { type: 'boolean', default: true },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowNegative: true,
    }).values;
  } catch (error) {
    process.stderr.write(`darkroom: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(1);
  }
}

const args = readArgs();
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const operations = (args.ops ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const unknown = operations.filter((o) => !isOperation(o));
if (operations.length === 0 || unknown.length > 0)
  fail(
    `--ops must list operations from ${OPERATIONS.join(', ')}, received ${JSON.stringify(args.ops)}`,
  );
const ops = operations as Operation[];
const workersPerOperation = Number(
  args.workers ?? Math.max(1, Math.round(availableParallelism() / ops.length)),
);
const concurrency = Number(args.concurrency);
if (!Number.isInteger(workersPerOperation) || workersPerOperation < 1)
  fail(`--workers must be a positive integer, received ${args.workers}`);
if (!Number.isInteger(concurrency) || concurrency < 1)
  fail(`--concurrency must be a positive integer, received ${args.concurrency}`);
const visibilityTimeoutSeconds =
  args['visibility-timeout'] === undefined ? undefined : Number(args['visibility-timeout']);
if (
  visibilityTimeoutSeconds !== undefined &&
  (!Number.isInteger(visibilityTimeoutSeconds) || visibilityTimeoutSeconds < 1)
)
  fail(`--visibility-timeout must be a positive integer, received ${args['visibility-timeout']}`);
const inputDir = resolve(args.input ?? SAMPLE_PHOTOS_DIR);
let plan: PlannedUpload[];
try {
  plan = planUploads(
    listFiles(inputDir, (entry) =>
      process.stderr.write(`not uploaded: ${entry.relativeKey}: ${entry.reason}\n`),
    ),
    ops,
    args.mix?.split(',').map(Number),
  );
} catch (error) {
  fail((error as Error).message);
}
if (plan.length === 0) fail(`no files under ${inputDir}`);

const uploadedAt = new Map<string, number>();
const finishedAt = new Map<string, number>();
const expected = Object.fromEntries(
  ops.map((op) => [op, plan.filter((p) => p.operation === op).length]),
) as Record<Operation, number>;

let pipeline: LocalPipeline | undefined;
let stopping = false;
/**
 * Ctrl-C, `kill` and a closed terminal all stop the run the same way: workers get one SIGTERM and
 * drain, the emulator closes, exit 128 + signal number. A second signal exits at once; the exit
 * hook of each worker handle then SIGKILLs whatever still runs, so no worker outlives the runner.
 */
function onSignal(signal: NodeJS.Signals): void {
  const code = 128 + (constants.signals[signal] ?? 1);
  if (stopping) process.exit(code);
  stopping = true;
  process.stderr.write(`\n${signal}: stopping: workers drain, emulator closes…\n`);
  void (pipeline?.stop() ?? Promise.resolve()).finally(() => process.exit(code));
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

/** Emulator, topology and supervised workers; restarts are noted in the progress. */
async function startPipeline(progress: Progress): Promise<LocalPipeline> {
  const started = Date.now();
  process.stdout.write(
    `Darkroom local pipeline: ${plan.length} uploads (${ops.map((o) => `${o} ${expected[o]}`).join(', ')}), ${workersPerOperation} worker(s) × ${concurrency} per operation\n`,
  );
  const p = await startLocalPipeline({
    operations: ops,
    workersPerOperation,
    concurrency,
    restartPolicy: DEFAULT_RESTART_POLICY,
    iam: args.iam !== false,
    ...(visibilityTimeoutSeconds ? { visibilityTimeoutSeconds } : {}),
    onWorkerRestart: (slot, exit, delayMs) =>
      progress.note(
        `worker ${slot.name} died (${describeExit(exit)}); restart ${slot.restarts + 1} in ${ms(delayMs)}`,
      ),
    onWorkerLine: (worker, line) => {
      if (isPhotoLine(line) && FINAL_PHOTO_OUTCOMES.has(line.outcome))
        finishedAt.set(
          `${worker.operation}:${line.key}`,
          finishedAt.get(`${worker.operation}:${line.key}`) ?? line.at,
        );
    },
  });
  process.stdout.write(
    `emulator ${p.aws.endpoint}, bucket ${p.topology.bucket}, workers ready in ${ms(Date.now() - started)}\n`,
  );
  process.stdout.write(
    `workers: ${p.workers.map((w) => `${w.name} pid ${w.child.pid} health 127.0.0.1:${w.healthPort() ?? '?'}`).join(', ')}\n`,
  );
  return p;
}

async function main(): Promise<number> {
  const progress = createProgress();
  pipeline = await startPipeline(progress);
  const p = pipeline;
  if (args['keep-running']) {
    printEndpoints(p);
    writeLocalTarget(p);
  }
  const burstStart = Date.now();
  let failure: Error | undefined;
  let uploadMs = 0;
  try {
    await uploadAll(p);
    uploadMs = Date.now() - burstStart;
    progress.start();
    await p.waitForDrain(expected, { onTick: (counts) => progress.update(counts) });
  } catch (error) {
    failure = error as Error;
  }
  progress.stop();
  if (stopping) return new Promise(() => undefined); // the signal handler exits
  const wallMs = Date.now() - burstStart;
  if (failure) process.stderr.write(`\ndarkroom: ${failure.message}\n`);
  // Whatever happened, say what finished and download it.
  const deadLetters = await summariseAndDownload(p, wallMs, uploadMs);
  if (args['keep-running'] && !failure) {
    // The endpoints were printed when the pipeline came up; say where, not twice.
    process.stdout.write(
      `Running until Ctrl-C (endpoints above; CLI target ${resolve(LOCAL_TARGET_FILE)}).\n`,
    );
    await new Promise(() => undefined);
  }
  await p.stop();
  if (failure) return 1;
  return deadLetters > 0 ? 2 : 0;
}

/** Print the summary and download every result; resolves with the number of dead letters. */
async function summariseAndDownload(
  p: LocalPipeline,
  wallMs: number,
  uploadMs: number,
): Promise<number> {
  const deadLetters: DeadLetter[] = (
    await Promise.all(ops.map((op) => p.readDeadLetters(op)))
  ).flat();
  const outputsByOp = new Map(
    await Promise.all(ops.map(async (op) => [op, await p.outputs(op)] as const)),
  );
  printSummary(p, deadLetters, outputsByOp, wallMs, uploadMs);
  const outDir = resolve(args.out ?? 'darkroom-out');
  const report = await downloadResults(outDir, outputsByOp, (op, key) =>
    p.getObject(`${outputPrefix(op)}${key}`),
  );
  printDownload(report, outDir);
  return deadLetters.length;
}

async function uploadAll(p: LocalPipeline): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < plan.length && !stopping) {
        const item = plan[next++];
        if (!item) return;
        const key = `${inputPrefix(item.operation)}${item.relativeKey}`;
        uploadedAt.set(
          `${item.operation}:${key}`,
          await p.upload(item.operation, item.relativeKey, readFileSync(item.path)),
        );
      }
    }),
  );
}

interface Progress {
  start(): void;
  update(counts: Map<Operation, { done: number; failed: number }>): void;
  /** A line that must not be lost among the bars (a worker restart). */
  note(text: string): void;
  stop(): void;
}

/** Live bars on a terminal; a progress line every 2 s when output goes to a pipe or CI log. */
function createProgress(): Progress {
  if (process.stdout.isTTY) {
    let bars: MultiBar | undefined;
    const bar = new Map<Operation, ReturnType<MultiBar['create']>>();
    return {
      start() {
        bars = new MultiBar(
          {
            format: ' {op} |{bar}| {value}/{total} done, {failed} failed',
            hideCursor: true,
            clearOnComplete: false,
          },
          Presets.shades_classic,
        );
        for (const op of ops)
          bar.set(op, bars.create(expected[op], 0, { op: op.padEnd(9), failed: 0 }));
      },
      update: (counts) =>
        counts.forEach(({ done, failed }, op) =>
          bar.get(op)?.update(Math.min(expected[op], done + failed), { failed }),
        ),
      note: (text) => (bars ? bars.log(`${text}\n`) : process.stdout.write(`${text}\n`)),
      stop: () => bars?.stop(),
    };
  }
  let last = 0;
  return {
    start: () => undefined,
    update(counts) {
      if (Date.now() - last < 2_000) return;
      last = Date.now();
      const restarts = pipeline?.slots().reduce((n, s) => n + s.restarts, 0) ?? 0;
      process.stdout.write(
        `progress: ${[...counts].map(([op, c]) => `${op} ${c.done + c.failed}/${expected[op]}`).join(', ')}${restarts ? `; worker restarts ${restarts}` : ''}\n`,
      );
    },
    note: (text) => process.stdout.write(`${text}\n`),
    stop: () => undefined,
  };
}

/** Which mode ran, and what IAM refused (each refusal is what AWS would refuse). */
function iamSummary(p: LocalPipeline): string {
  if (!p.aws.access.enforced) return 'IAM: not enforced (--no-iam): any credentials were accepted';
  const denied = p.aws.access.denials;
  const detail = denied
    .slice(0, 5)
    .map((d) => `  ${d.code}: ${d.operation} ${d.message}`)
    .join('\n');
  return `IAM: enforced — each worker used its own role's policy (the documents infra deploys); ${denied.length} request(s) denied${detail ? `:\n${detail}` : ''}`;
}

function printSummary(
  p: LocalPipeline,
  deadLetters: DeadLetter[],
  outputsByOp: Map<Operation, string[]>,
  wallMs: number,
  uploadMs: number,
): void {
  const rows = [['operation', 'photos in', 'results', 'failed', 'p50', 'p95', 'max']];
  const all: number[] = [];
  for (const op of ops) {
    const latencies = [...finishedAt.entries()]
      .filter(([k]) => k.startsWith(`${op}:`))
      .map(([k, done]) => done - (uploadedAt.get(k) ?? done))
      .filter((v) => v >= 0);
    all.push(...latencies);
    rows.push([
      op,
      String(expected[op]),
      String(outputsByOp.get(op)?.length ?? 0),
      String(deadLetters.filter((d) => d.operation === op).length),
      ms(percentile(latencies, 50)),
      ms(percentile(latencies, 95)),
      ms(percentile(latencies, 100)),
    ]);
  }
  rows.push([
    'all',
    String(plan.length),
    String([...outputsByOp.values()].reduce((s, o) => s + o.length, 0)),
    String(deadLetters.length),
    ms(percentile(all, 50)),
    ms(percentile(all, 95)),
    ms(percentile(all, 100)),
  ]);
  process.stdout.write(`\n${table(rows)}\n\n`);
  process.stdout.write(`${iamSummary(p)}\n`);
  process.stdout.write(
    `wall time ${ms(wallMs)} (uploads took ${ms(uploadMs)}), throughput ${((plan.length * 1000) / wallMs).toFixed(1)} photos/s; latency is upload done → result stored\n`,
  );
  process.stdout.write(
    `peak RSS per worker: ${p.workers.map((w) => `${w.name} ${w.peakRssMb()?.toFixed(0) ?? '?'} MB`).join(', ')}\n`,
  );
  const restarted = p.slots().filter((s) => s.restarts > 0 || s.lastExit);
  process.stdout.write(
    `worker restarts: ${restarted.length === 0 ? 'none' : restarted.map((s) => `${s.name} ${s.restarts}× (last: ${s.lastExit ? describeExit(s.lastExit) : '?'})`).join(', ')}\n`,
  );
  if (deadLetters.length > 0) {
    process.stdout.write(
      `\nfailed photos (in the dead-letter queues):\n${table([['operation', 'key', 'reason'], ...deadLetters.map((d) => [d.operation, d.key, `${d.code}: ${d.message}`])])}\n`,
    );
  }
}

function printDownload(report: DownloadReport, outDir: string): void {
  process.stdout.write(
    `\n${report.written} results downloaded to ${join(outDir, 'output')}/<operation>/…\n`,
  );
  if (report.remapped.length > 0)
    process.stdout.write(
      `\nkeys that cannot be file paths here, written under ${join(outDir, 'unmappable')}/<operation>/ (names in keys.tsv):\n${table([['operation', 'key', 'written as', 'why'], ...report.remapped.map((n) => [n.operation, n.key, n.path ?? '', n.reason])])}\n`,
    );
  const skipped = [...report.refused, ...report.failed];
  if (skipped.length > 0)
    process.stdout.write(
      `\nnot downloaded:\n${table([['operation', 'key', 'why'], ...skipped.map((n) => [n.operation, n.key, n.reason])])}\n`,
    );
}

/** The emulator as stack outputs (what `darkroom --local` reads); its credentials grant nothing elsewhere. */
function writeLocalTarget(p: LocalPipeline): void {
  const byOp = (pick: (q: LocalPipeline['topology']['queues'][Operation]) => string) =>
    Object.fromEntries(OPERATIONS.map((op) => [op, pick(p.topology.queues[op])]));
  const file = resolve(LOCAL_TARGET_FILE);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        bucketName: p.topology.bucket,
        queueUrls: byOp((q) => q.queueUrl),
        deadLetterQueueUrls: byOp((q) => q.deadLetterQueueUrl),
        endpoint: p.aws.endpoint,
        region: p.aws.region,
        credentials: LOCAL_CREDENTIALS,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`Target for the CLI: ${file} (npx darkroom --local status)\n`);
  // A target left behind by a stopped runner would send the CLI to a port nobody serves.
  process.once('exit', () => rmSync(file, { force: true }));
}

function printEndpoints(p: LocalPipeline): void {
  process.stdout.write(
    `\nEndpoint: ${p.aws.endpoint} (region ${p.aws.region}, path-style S3, ${p.aws.access.enforced ? 'IAM enforced: use the key below' : 'any credentials'})\nBucket:   ${p.topology.bucket}\n`,
  );
  for (const op of ops)
    process.stdout.write(
      `Queue ${op}: ${p.topology.queues[op].queueUrl}\n  DLQ: ${p.topology.queues[op].deadLetterQueueUrl}\n`,
    );
  process.stdout.write(
    `Upload: AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey} aws --endpoint-url ${p.aws.endpoint} s3 cp photo.jpg s3://${p.topology.bucket}/input/thumbnail/photo.jpg\n\n`,
  );
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    process.stderr.write(`darkroom: crashed: ${(error as Error).stack ?? String(error)}\n`);
    await pipeline?.stop().catch(() => undefined);
    process.exit(1);
  },
);
