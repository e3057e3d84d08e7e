/**
 * A worker container started as its pod runs it, and what it logs: used by the container test
 * and the cold-start bench.
 */
import { WORKER_ENV, WORKER_LOG } from '@darkroom/pipeline-spec';
import { type BuiltImage, podman, productionRunArgs } from './podman.ts';

export interface LogLine {
  readonly msg?: string;
  /** ISO time (the runtime logs with pino's isoTime). */
  readonly time?: string;
  readonly healthPort?: number;
  readonly [field: string]: unknown;
}

export interface RunningWorker {
  readonly name: string;
  readonly image: BuiltImage;
  /** Epoch ms before `podman run`. */
  readonly launchedAt: number;
  /** Epoch ms the node process started (podman's State.StartedAt). */
  readonly startedAt: number;
  /** Epoch ms of the worker's own "worker ready" log line (first queue poll answered). */
  readonly readyAt: number;
  readonly healthPort: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The container's JSON log lines (pino, one object per line). */
export async function logLines(name: string): Promise<LogLine[]> {
  const out = await podman(['logs', name]);
  return out
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

async function readyLine(name: string, timeoutMs: number): Promise<LogLine> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = (await logLines(name)).find((l) => l.msg === WORKER_LOG.ready);
    if (line) return line;
    const state = (await podman(['inspect', '--format', '{{.State.Status}}', name])).trim();
    if (state === 'exited')
      throw new Error(
        `${name} exited before ready:\n${await podman(['logs', name], { withStderr: true })}`,
      );
    if (Date.now() > deadline) throw new Error(`${name} not ready after ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** podman prints e.g. `2026-11-23 15:38:20.123456789 +0000 UTC`. */
function parsePodmanTime(text: string): number {
  const [, date, time, frac = ''] =
    /^(\S+) (\d\d:\d\d:\d\d)(?:\.(\d+))? \+0000 UTC$/.exec(text.trim()) ?? [];
  if (!date || !time) throw new Error(`unexpected podman time "${text.trim()}"`);
  return Date.parse(`${date}T${time}.${frac.padEnd(3, '0').slice(0, 3)}Z`);
}

/**
 * Start a worker image with the production security settings (read-only root, UID 65532, no
 * capabilities, tmpfs /tmp) on the host network, its probes on a free loopback port.
 */
export async function startWorkerContainer(options: {
  image: BuiltImage;
  name: string;
  env: Readonly<Record<string, string>>;
  timeoutMs?: number;
}): Promise<RunningWorker> {
  const { image, name } = options;
  await podman(['rm', '--force', '--ignore', name]);
  const launchedAt = Date.now();
  await podman(
    productionRunArgs(image.image, name, {
      ...options.env,
      // Host network: a free port on loopback, never the pod's 8080 on every interface.
      [WORKER_ENV.healthPort]: '0',
      [WORKER_ENV.healthHost]: '127.0.0.1',
    }),
  );
  const ready = await readyLine(name, options.timeoutMs ?? 60_000);
  const startedAt = parsePodmanTime(
    await podman(['inspect', '--format', '{{.State.StartedAt}}', name]),
  );
  return {
    name,
    image,
    launchedAt,
    startedAt,
    readyAt: Date.parse(String(ready.time)),
    healthPort: Number(ready.healthPort),
  };
}
