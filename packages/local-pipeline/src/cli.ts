/**
 * `npm start [-- options]`: run Darkroom end to end on this machine (options: see USAGE): start
 * the emulator and the workers, then the operator's upload → watch → results on them (start/).
 *
 * Exit code: 0 when every photo produced its outputs, 2 when some went to a DLQ, 1 on a crash or
 * a worker that kept dying, 128 + signal number when stopped by SIGINT, SIGTERM or SIGHUP.
 */
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { LOCAL_TARGET_FILE, type Operation } from '@darkroom/pipeline-spec';
import type { LocalPipeline } from './pipeline.ts';
import { type PlannedUpload, listFiles, planUploads } from './photos.ts';
import { ms } from './stats.ts';
import { StartArgsError, type StartOptions, USAGE, parseStartArgs } from './start/args.ts';
import {
  SAMPLE_CLIENT,
  endpointsText,
  frontDeskText,
  writeLocalTarget,
} from './start/local-target.ts';
import { createProgress } from './start/progress.ts';
import { Latencies, startPipeline, summariseAndDownload, uploadPlan } from './start/run.ts';

const fail = (message: string, usage = ''): never => {
  process.stderr.write(`darkroom: ${message}\n${usage ? `\n${usage}` : ''}`);
  process.exit(1);
};

function optionsOrExit(): StartOptions {
  try {
    const parsed = parseStartArgs(process.argv.slice(2));
    if (parsed !== 'help') return parsed;
    process.stdout.write(USAGE);
    process.exit(0);
  } catch (error) {
    if (error instanceof StartArgsError) return fail(error.message, error.showUsage ? USAGE : '');
    throw error;
  }
}

function planOrExit(options: StartOptions): PlannedUpload[] {
  try {
    const files = listFiles(options.inputDir, (entry) =>
      process.stderr.write(`not uploaded: ${entry.relativeKey}: ${entry.reason}\n`),
    );
    const plan = planUploads(files, options.operations, options.mix);
    return plan.length > 0 ? plan : fail(`no files under ${options.inputDir}`);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

const options = optionsOrExit();
const plan = planOrExit(options);
const expected = Object.fromEntries(
  options.operations.map((op) => [op, plan.filter((p) => p.operation === op).length]),
) as Record<Operation, number>;
const stopping = new AbortController();
let pipeline: LocalPipeline | undefined;

/**
 * Ctrl-C, `kill` and a closed terminal all stop the run the same way: workers get one SIGTERM and
 * drain, the emulator closes, exit 128 + signal number. A second signal exits at once; the exit
 * hook of each worker handle then SIGKILLs whatever still runs, so no worker outlives the runner.
 */
function onSignal(signal: NodeJS.Signals): void {
  const code = 128 + (constants.signals[signal] ?? 1);
  if (stopping.signal.aborted) process.exit(code);
  stopping.abort();
  process.stderr.write(`\n${signal}: stopping: workers drain, emulator closes…\n`);
  void (pipeline?.stop() ?? Promise.resolve()).finally(() => process.exit(code));
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

async function main(): Promise<number> {
  const latencies = new Latencies();
  const restarts = () => pipeline?.slots().reduce((n, s) => n + s.restarts, 0) ?? 0;
  const write = (text: string) => process.stdout.write(text);
  const progress = createProgress(
    { expected, operations: options.operations, restarts, write },
    process.stdout.isTTY,
  );
  const started = Date.now();
  write(
    `Darkroom local pipeline: ${plan.length} uploads (${options.operations.map((o) => `${o} ${expected[o]}`).join(', ')}), ${options.workersPerOperation} worker(s) × ${options.concurrency} per operation\n`,
  );
  const p = (pipeline = await startPipeline(options, progress, latencies));
  write(
    `emulator ${p.aws.endpoint}, bucket ${p.topology.bucket}, workers ready in ${ms(Date.now() - started)}\n`,
  );
  write(
    `workers: ${p.workers.map((w) => `${w.name} pid ${w.child.pid} health 127.0.0.1:${w.healthPort() ?? '?'}`).join(', ')}\n`,
  );
  if (options.keepRunning) {
    write(
      `${endpointsText(p, options.operations)}Target for the CLI: ${writeLocalTarget(p)} (npx darkroom --local status)\n`,
    );
    if (p.frontDesk)
      write(frontDeskText(p.frontDesk.url, await p.frontDesk.addClient(SAMPLE_CLIENT)));
  }
  const burstStart = Date.now();
  let failure: Error | undefined;
  let uploadMs = 0;
  let uploadRate = 0;
  try {
    uploadRate = await uploadPlan(p, plan, latencies, stopping.signal);
    uploadMs = Date.now() - burstStart;
    progress.start();
    await p.waitForDrain(expected, { onTick: (counts) => progress.update(counts) });
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
  }
  progress.stop();
  if (stopping.signal.aborted) return new Promise(() => undefined); // the signal handler exits
  if (failure) process.stderr.write(`\ndarkroom: ${failure.message}\n`);
  // Whatever happened, say what finished and download it.
  const facts = {
    operations: options.operations,
    expected,
    uploads: plan.length,
    wallMs: Date.now() - burstStart,
    uploadMs,
    uploadRate,
  };
  const deadLetters = await summariseAndDownload(p, facts, latencies, options.out);
  if (options.keepRunning && !failure) {
    // The endpoints were printed when the pipeline came up; say where, not twice.
    write(`Running until Ctrl-C (endpoints above; CLI target ${resolve(LOCAL_TARGET_FILE)}).\n`);
    await new Promise(() => undefined);
  }
  await p.stop();
  if (failure) return 1;
  return deadLetters > 0 ? 2 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    process.stderr.write(
      `darkroom: crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    await pipeline?.stop().catch(() => undefined);
    process.exit(1);
  },
);
