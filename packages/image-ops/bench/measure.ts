/** Small measurement helpers for the benches: bounded parallelism, CPU time including children. */
import { readFileSync } from 'node:fs';

/** Run `jobs` with at most `parallel` in flight; returns each job's latency in ms. */
export async function runParallel(
  jobs: readonly (() => Promise<unknown>)[],
  parallel: number,
): Promise<number[]> {
  const latencies: number[] = new Array<number>(jobs.length);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index];
      if (!job) return;
      const start = performance.now();
      await job();
      latencies[index] = performance.now() - start;
    }
  }
  await Promise.all(Array.from({ length: parallel }, lane));
  return latencies;
}

const TICKS_PER_SECOND = 100;

/** CPU ms used by this process plus its waited-for children (Linux /proc). */
export function cpuMs(): number {
  const self = process.cpuUsage();
  let children = 0;
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    // after "pid (comm) ": field 16 cutime and 17 cstime are at offsets 13 and 14
    children = ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
  } catch {
    children = 0;
  }
  return (self.user + self.system) / 1000 + children;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** A measured variant: wall time of the whole set, latencies and CPU per photo. */
export interface Measurement {
  readonly photos: number;
  readonly wallMs: number;
  readonly medianMs: number;
  readonly photosPerSecond: number;
  readonly cpuMsPerPhoto: number;
  readonly bytesOut: number;
}

export function summarise(
  latencies: number[],
  wallMs: number,
  cpu: number,
  bytesOut: number,
): Measurement {
  return {
    photos: latencies.length,
    wallMs,
    medianMs: median(latencies),
    photosPerSecond: (latencies.length * 1000) / wallMs,
    cpuMsPerPhoto: cpu / latencies.length,
    bytesOut,
  };
}

/** Merge measurements of several rounds of the same variant. */
export function merge(rounds: readonly Measurement[], latencies: readonly number[]): Measurement {
  const photos = rounds.reduce((s, r) => s + r.photos, 0);
  const wallMs = rounds.reduce((s, r) => s + r.wallMs, 0);
  return {
    photos,
    wallMs,
    medianMs: median(latencies),
    photosPerSecond: (photos * 1000) / wallMs,
    cpuMsPerPhoto: rounds.reduce((s, r) => s + r.cpuMsPerPhoto * r.photos, 0) / photos,
    bytesOut: rounds.reduce((s, r) => s + r.bytesOut, 0) / rounds.length,
  };
}
