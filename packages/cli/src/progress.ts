/**
 * Progress for long commands: a cli-progress bar with photos/s and ETA on a terminal, a line
 * every 2 s on a pipe or CI log, nothing with `--json` (stdout stays one JSON document).
 */
import { SingleBar, Presets } from 'cli-progress';

export interface Progress {
  tick(failed: boolean): void;
  stop(): void;
}

export function createProgress(
  total: number,
  mode: { json: boolean; tty: boolean; write: (line: string) => void },
): Progress {
  const started = Date.now();
  let done = 0;
  let failed = 0;
  const rate = () => done / Math.max(0.001, (Date.now() - started) / 1000);
  if (mode.json) return { tick: () => undefined, stop: () => undefined };
  if (mode.tty) {
    const bar = new SingleBar(
      {
        format:
          ' {bar} {value}/{total} photos | {speed} photos/s | ETA {eta_formatted} | {failed} failed',
        hideCursor: true,
        etaBuffer: 50,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0, { speed: '0.0', failed: 0 });
    return {
      tick(f) {
        done += 1;
        failed += f ? 1 : 0;
        bar.update(done, { speed: rate().toFixed(1), failed });
      },
      stop: () => bar.stop(),
    };
  }
  let last = Date.now();
  return {
    tick(f) {
      done += 1;
      failed += f ? 1 : 0;
      if (Date.now() - last < 2_000) return;
      last = Date.now();
      const eta = (total - done) / Math.max(rate(), 0.001);
      mode.write(
        `progress: ${done}/${total} photos, ${rate().toFixed(1)} photos/s, ETA ${Math.ceil(eta)} s, ${failed} failed\n`,
      );
    },
    stop: () => undefined,
  };
}
