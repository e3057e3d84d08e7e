/**
 * The real worker services as child processes, with the same environment contract as their
 * Kubernetes Deployment. Their JSON log lines are parsed as they arrive.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type Operation,
  WORKER_ENV,
  WORKER_LOG,
  WORKER_NODE_FLAGS,
  WORKER_PROCESS_ENV,
} from '@darkroom/pipeline-spec';

/** Path of a service's built entrypoint (`nx build <op>` makes it). */
export function serviceEntry(operation: Operation): string {
  return fileURLToPath(new URL(`../../../services/${operation}/dist/main.js`, import.meta.url));
}

export interface WorkerLogLine {
  readonly at: number;
  readonly msg?: string;
  readonly key?: string;
  readonly outcome?: string;
  readonly errorCode?: string;
  readonly [field: string]: unknown;
}

export interface WorkerProcess {
  readonly operation: Operation;
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: WorkerLogLine[];
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  readonly ready: Promise<void>;
  /** Port of its health server, once it logged 'worker ready'. */
  healthPort(): number | undefined;
  /** Its last `n` log lines (stdout and stderr, as written), for a crash report. */
  lastLines(n: number): string[];
  /** Peak resident set size so far in MB (Linux VmHWM), or undefined where /proc is absent. */
  peakRssMb(): number | undefined;
}

export interface SpawnWorkerOptions {
  readonly operation: Operation;
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
  readonly onLine?: (worker: WorkerProcess, line: WorkerLogLine) => void;
}

/** Worker processes still running; one exit hook for all (restarts would add one each). */
const live = new Set<ChildProcess>();
let exitHooked = false;
/** Last resort if the runner exits without stopping its workers: none outlives it. */
function killLiveOnExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function startChild(options: SpawnWorkerOptions): ChildProcess {
  const entry = serviceEntry(options.operation);
  if (!existsSync(entry))
    throw new Error(
      `${entry} is missing: run \`npx nx run-many -t build -p grayscale watermark thumbnail\` first`,
    );
  const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, entry], {
    env: {
      PATH: process.env['PATH'] ?? '',
      ...WORKER_PROCESS_ENV,
      ...options.env,
      [WORKER_ENV.healthPort]: '0',
      [WORKER_ENV.healthHost]: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: a terminal's Ctrl-C reaches only the runner, which then sends each
    // worker one SIGTERM (a second signal would make the worker skip its drain).
    detached: true,
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  killLiveOnExit();
  return child;
}

/** Peak RSS (VmHWM) sampled each second; a killed worker keeps the last peak read while it ran. */
function peakRssSampler(child: ChildProcess): () => number | undefined {
  let lastPeakMb: number | undefined;
  const read = (): number | undefined => {
    try {
      const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      if (kb) lastPeakMb = Number(kb) / 1024;
      return kb ? Number(kb) / 1024 : undefined;
    } catch {
      return undefined;
    }
  };
  const sampler = setInterval(read, 1_000).unref();
  child.once('exit', () => clearInterval(sampler));
  return () => read() ?? lastPeakMb;
}

/** A worker's stdout line: its JSON log record, or the text as `msg` when it is not JSON. */
export function parseLogLine(text: string, at = Date.now()): WorkerLogLine {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return { ...parsed, at };
  } catch {
    // not JSON: kept as text below
  }
  return { at, msg: text };
}

/** Call `onText` for each complete, non-blank line of a stream of chunks. */
function lineSplitter(onText: (text: string) => void): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) if (text.trim()) onText(text);
  };
}

/** Start one worker process. @throws {Error} when the service has not been built. */
export function spawnWorker(options: SpawnWorkerOptions): WorkerProcess {
  const child = startChild(options);
  const lines: WorkerLogLine[] = [];
  const recent: string[] = [];
  const remember = (text: string) => {
    recent.push(text);
    if (recent.length > 50) recent.shift();
  };
  let healthPort: number | undefined;
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const peakRssMb = peakRssSampler(child);
  void ready.then(peakRssMb);
  const worker: WorkerProcess = {
    operation: options.operation,
    name: options.name,
    child,
    lines,
    stderr: () => stderr,
    exited: new Promise((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    ),
    ready,
    healthPort: () => healthPort,
    lastLines: (n) => recent.slice(-n),
    peakRssMb,
  };
  child.stdout?.on(
    'data',
    lineSplitter((text) => {
      remember(text);
      const line = parseLogLine(text);
      lines.push(line);
      if (line.msg === WORKER_LOG.ready) {
        if (typeof line['healthPort'] === 'number') healthPort = line['healthPort'];
        markReady();
      }
      options.onLine?.(worker, line);
    }),
  );
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const text of chunk.toString().split('\n')) if (text.trim()) remember(text);
  });
  return worker;
}
