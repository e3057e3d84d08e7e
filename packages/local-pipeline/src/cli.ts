/**
 * `npm start [-- options]`: run Darkroom end to end on this machine.
 *
 *   --input DIR        photos to upload, recursively (default: the repo's sample photos)
 *   --ops a,b          operations to run (default: grayscale,watermark,thumbnail)
 *   --mix 40,40,20     split the photos between the operations instead of sending each to all
 *   --workers N        worker processes per operation (default: sized to the CPUs)
 *   --concurrency N    photos in flight per worker (default 1)
 *   --out DIR          where results are downloaded (default ./darkroom-out)
 *   --keep-running     leave the emulator and workers up, print how to reach them and write
 *                      .darkroom/local.json, the target `npx darkroom --local …` reads
 *
 * Exit code: 0 when every photo produced its outputs, 2 when some went to a DLQ, 1 on a crash.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MultiBar, Presets } from 'cli-progress';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import {
  FINAL_PHOTO_OUTCOMES,
  LOCAL_TARGET_FILE,
  OPERATIONS,
  type Operation,
  isOperation,
  isPhotoLine,
  outputPrefix,
} from '@darkroom/pipeline-spec';
import { LOCAL_CREDENTIALS } from '@darkroom/local-aws';
import { type DeadLetter, type LocalPipeline, startLocalPipeline } from './pipeline.ts';
import { type PlannedUpload, listFiles, planUploads } from './photos.ts';
import { ms, percentile, table } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    input: { type: 'string', default: SAMPLE_PHOTOS_DIR },
    ops: { type: 'string', default: OPERATIONS.join(',') },
    mix: { type: 'string' },
    workers: { type: 'string' },
    concurrency: { type: 'string', default: '1' },
    out: { type: 'string', default: 'darkroom-out' },
    'keep-running': { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`darkroom: ${message}\n`);
  process.exit(1);
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
const inputDir = resolve(args.input ?? SAMPLE_PHOTOS_DIR);
let plan: PlannedUpload[];
try {
  plan = planUploads(inputDir, listFiles(inputDir), ops, args.mix?.split(',').map(Number));
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
let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write('\nstopping: workers drain, emulator closes…\n');
  void (pipeline?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
});

async function main(): Promise<number> {
  const started = Date.now();
  process.stdout.write(
    `Darkroom local pipeline: ${plan.length} uploads (${ops.map((o) => `${o} ${expected[o]}`).join(', ')}), ${workersPerOperation} worker(s) × ${concurrency} per operation\n`,
  );
  pipeline = await startLocalPipeline({
    operations: ops,
    workersPerOperation,
    concurrency,
    onWorkerLine: (worker, line) => {
      if (isPhotoLine(line) && FINAL_PHOTO_OUTCOMES.has(line.outcome))
        finishedAt.set(
          `${worker.operation}:${line.key}`,
          finishedAt.get(`${worker.operation}:${line.key}`) ?? line.at,
        );
    },
  });
  const p = pipeline;
  process.stdout.write(
    `emulator ${p.aws.endpoint}, bucket ${p.topology.bucket}, workers ready in ${ms(Date.now() - started)}\n`,
  );

  if (args['keep-running']) {
    printEndpoints(p);
    writeLocalTarget(p);
  }
  const progress = createProgress();
  const burstStart = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < plan.length) {
        const item = plan[next++];
        if (!item) return;
        const key = `input/${item.operation}/${item.relativeKey}`;
        uploadedAt.set(
          `${item.operation}:${key}`,
          await p.upload(item.operation, item.relativeKey, readFileSync(item.path)),
        );
      }
    }),
  );
  const uploadMs = Date.now() - burstStart;
  await p.waitForDrain(expected, {
    onTick: (counts) => progress.update(counts),
  });
  progress.stop();
  const wallMs = Date.now() - burstStart;

  const deadLetters: DeadLetter[] = (
    await Promise.all(ops.map((op) => p.readDeadLetters(op)))
  ).flat();
  const outputsByOp = new Map(
    await Promise.all(ops.map(async (op) => [op, await p.outputs(op)] as const)),
  );
  printSummary(p, deadLetters, outputsByOp, wallMs, uploadMs);
  await download(p, outputsByOp, resolve(args.out ?? 'darkroom-out'));

  if (args['keep-running']) {
    printEndpoints(p);
    process.stdout.write('Running until Ctrl-C.\n');
    await new Promise(() => undefined);
  }
  await p.stop();
  return deadLetters.length > 0 ? 2 : 0;
}

/** Live bars on a terminal; a progress line every 2 s when output goes to a pipe or CI log. */
function createProgress(): {
  update(counts: Map<Operation, { done: number; failed: number }>): void;
  stop(): void;
} {
  if (process.stdout.isTTY) {
    const bars = new MultiBar(
      {
        format: ' {op} |{bar}| {value}/{total} done, {failed} failed',
        hideCursor: true,
        clearOnComplete: false,
      },
      Presets.shades_classic,
    );
    const bar = new Map(
      ops.map((op) => [op, bars.create(expected[op], 0, { op: op.padEnd(9), failed: 0 })]),
    );
    return {
      update: (counts) =>
        counts.forEach(({ done, failed }, op) =>
          bar.get(op)?.update(Math.min(expected[op], done + failed), { failed }),
        ),
      stop: () => bars.stop(),
    };
  }
  let last = 0;
  return {
    update(counts) {
      if (Date.now() - last < 2_000) return;
      last = Date.now();
      process.stdout.write(
        `progress: ${[...counts].map(([op, c]) => `${op} ${c.done + c.failed}/${expected[op]}`).join(', ')}\n`,
      );
    },
    stop: () => undefined,
  };
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
  process.stdout.write(
    `wall time ${ms(wallMs)} (uploads took ${ms(uploadMs)}), throughput ${((plan.length * 1000) / wallMs).toFixed(1)} photos/s; latency is upload done → result stored\n`,
  );
  process.stdout.write(
    `peak RSS per worker: ${p.workers.map((w) => `${w.name} ${w.peakRssMb()?.toFixed(0) ?? '?'} MB`).join(', ')}\n`,
  );
  if (deadLetters.length > 0) {
    process.stdout.write(
      `\nfailed photos (in the dead-letter queues):\n${table([['operation', 'key', 'reason'], ...deadLetters.map((d) => [d.operation, d.key, `${d.code}: ${d.message}`])])}\n`,
    );
  }
}

async function download(
  p: LocalPipeline,
  outputsByOp: Map<Operation, string[]>,
  outDir: string,
): Promise<void> {
  let count = 0;
  for (const [op, keys] of outputsByOp) {
    for (const key of keys) {
      const target = join(outDir, 'output', op, ...key.split('/'));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, await p.getObject(`${outputPrefix(op)}${key}`));
      count++;
    }
  }
  process.stdout.write(
    `\n${count} results downloaded to ${join(outDir, 'output')}/<operation>/…\n`,
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
}

function printEndpoints(p: LocalPipeline): void {
  process.stdout.write(
    `\nEndpoint: ${p.aws.endpoint} (region ${p.aws.region}, any credentials, path-style S3)\nBucket:   ${p.topology.bucket}\n`,
  );
  for (const op of ops)
    process.stdout.write(
      `Queue ${op}: ${p.topology.queues[op].queueUrl}\n  DLQ: ${p.topology.queues[op].deadLetterQueueUrl}\n`,
    );
  process.stdout.write(
    `Upload: AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws --endpoint-url ${p.aws.endpoint} s3 cp photo.jpg s3://${p.topology.bucket}/input/thumbnail/photo.jpg\n\n`,
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
