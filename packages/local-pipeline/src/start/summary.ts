/** What `npm start` prints when the burst is over: pure text from the run's facts. */
import { join } from 'node:path';
import type { DeadLetter, DownloadReport } from '@darkroom/operator';
import type { Operation } from '@darkroom/pipeline-spec';
import type { LocalPipeline } from '../pipeline.ts';
import { ms, percentile, table } from '../stats.ts';
import { describeExit } from '../supervisor.ts';

export interface RunFacts {
  readonly operations: readonly Operation[];
  readonly expected: Readonly<Record<Operation, number>>;
  readonly uploads: number;
  /** Upload done → result stored, per operation, in ms. */
  readonly latencies: ReadonlyMap<Operation, readonly number[]>;
  readonly results: ReadonlyMap<Operation, number>;
  readonly deadLetters: readonly DeadLetter[];
  readonly wallMs: number;
  readonly uploadMs: number;
  /** Photos sent per second by the upload (skipped files not counted). */
  readonly uploadRate: number;
}

const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);

function latencyRow(name: string, cells: string[], latencies: readonly number[]): string[] {
  return [name, ...cells, ...[50, 95, 100].map((p) => ms(percentile(latencies, p)))];
}

export function resultsTable(f: RunFacts): string {
  const failed = (op: Operation) => f.deadLetters.filter((d) => d.operation === op).length;
  const rows = [['operation', 'photos in', 'results', 'failed', 'p50', 'p95', 'max']];
  for (const op of f.operations)
    rows.push(
      latencyRow(
        op,
        [String(f.expected[op]), String(f.results.get(op) ?? 0), String(failed(op))],
        f.latencies.get(op) ?? [],
      ),
    );
  const all = f.operations.flatMap((op) => f.latencies.get(op) ?? []);
  rows.push(
    latencyRow(
      'all',
      [String(f.uploads), String(sum(f.results.values())), String(f.deadLetters.length)],
      all,
    ),
  );
  return table(rows);
}

/** Which mode ran, and what IAM refused (each refusal is what AWS would refuse). */
export function iamSummary(access: LocalPipeline['aws']['access']): string {
  if (!access.enforced) return 'IAM: not enforced (--no-iam): any credentials were accepted';
  const detail = access.denials.slice(0, 5).map((d) => `  ${d.code}: ${d.operation} ${d.message}`);
  return `IAM: enforced — each worker used its own role's policy (the documents infra deploys); ${access.denials.length} request(s) denied${detail.length ? `:\n${detail.join('\n')}` : ''}`;
}

export function workersText(p: LocalPipeline): string {
  const rss = p.workers.map((w) => `${w.name} ${w.peakRssMb()?.toFixed(0) ?? '?'} MB`);
  const restarted = p.slots().filter((s) => s.restarts > 0 || s.lastExit);
  const restarts = restarted.map(
    (s) => `${s.name} ${s.restarts}× (last: ${s.lastExit ? describeExit(s.lastExit) : '?'})`,
  );
  return `peak RSS per worker: ${rss.join(', ')}\nworker restarts: ${restarts.length === 0 ? 'none' : restarts.join(', ')}\n`;
}

export function summaryText(f: RunFacts, p: LocalPipeline): string {
  const throughput = ((f.uploads * 1000) / f.wallMs).toFixed(1);
  const lines = [
    `\n${resultsTable(f)}\n\n`,
    `${iamSummary(p.aws.access)}\n`,
    `wall time ${ms(f.wallMs)} (uploads took ${ms(f.uploadMs)}, ${f.uploadRate.toFixed(1)} photos/s sent), throughput ${throughput} photos/s; latency is upload done → result stored\n`,
    workersText(p),
  ];
  if (f.deadLetters.length > 0) {
    const rows = f.deadLetters.map((d) => [d.operation, d.key, `${d.code}: ${d.reason}`]);
    lines.push(
      `\nfailed photos (in the dead-letter queues):\n${table([['operation', 'key', 'reason'], ...rows])}\n`,
    );
  }
  return lines.join('');
}

export function downloadText(report: DownloadReport): string {
  const unchanged = report.unchanged > 0 ? ` (${report.unchanged} already there, unchanged)` : '';
  const lines = [
    `\n${report.written.length} results downloaded to ${join(report.out, 'output')}/<operation>/…${unchanged}\n`,
  ];
  if (report.remapped.length > 0) {
    const rows = report.remapped.map((n) => [n.operation, n.key, n.path ?? '', n.reason]);
    lines.push(
      `\nkeys that cannot be file paths here, written under ${join(report.out, 'unmappable')}/<operation>/ (names in keys.tsv):\n${table([['operation', 'key', 'written as', 'why'], ...rows])}\n`,
    );
  }
  const skipped = [...report.refused, ...report.failed];
  if (skipped.length > 0)
    lines.push(
      `\nnot downloaded:\n${table([['operation', 'key', 'why'], ...skipped.map((n) => [n.operation, n.key, n.reason])])}\n`,
    );
  return lines.join('');
}
