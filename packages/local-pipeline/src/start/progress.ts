/** Drain progress: live bars on a terminal; a progress line every 2 s when output goes to a pipe or CI log. */
import { MultiBar, Presets } from 'cli-progress';
import type { Operation } from '@darkroom/pipeline-spec';

export type DrainCounts = ReadonlyMap<Operation, { done: number; failed: number }>;

export interface Progress {
  start(): void;
  update(counts: DrainCounts): void;
  /** A line that must not be lost among the bars (a worker restart). */
  note(text: string): void;
  stop(): void;
}

export interface ProgressSetup {
  readonly expected: Readonly<Record<Operation, number>>;
  readonly operations: readonly Operation[];
  /** Worker restarts so far, for the line printed on a pipe. */
  readonly restarts: () => number;
  readonly write: (text: string) => void;
}

function terminalProgress(setup: ProgressSetup): Progress {
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
      for (const op of setup.operations)
        bar.set(op, bars.create(setup.expected[op], 0, { op: op.padEnd(9), failed: 0 }));
    },
    update: (counts) =>
      counts.forEach(({ done, failed }, op) =>
        bar.get(op)?.update(Math.min(setup.expected[op], done + failed), { failed }),
      ),
    note: (text) => (bars ? bars.log(`${text}\n`) : setup.write(`${text}\n`)),
    stop: () => bars?.stop(),
  };
}

function lineProgress(setup: ProgressSetup): Progress {
  let last = 0;
  return {
    start: () => undefined,
    update(counts) {
      if (Date.now() - last < 2_000) return;
      last = Date.now();
      const restarts = setup.restarts();
      const each = [...counts].map(([op, c]) => `${op} ${c.done + c.failed}/${setup.expected[op]}`);
      setup.write(
        `progress: ${each.join(', ')}${restarts ? `; worker restarts ${restarts}` : ''}\n`,
      );
    },
    note: (text) => setup.write(`${text}\n`),
    stop: () => undefined,
  };
}

export const createProgress = (setup: ProgressSetup, tty: boolean): Progress =>
  tty ? terminalProgress(setup) : lineProgress(setup);
