/**
 * Results from S3 to the local disk for `npm start`, by the operator library's one rule
 * (`@darkroom/operator` ResultWriter, shared with `darkroom results`): `<out>/output/<op>/<key>`
 * for a plain path, `<out>/unmappable/<op>/` (listed in `keys.tsv`) otherwise, never through a
 * symbolic link below `--out`. One key that cannot be written never stops the others.
 */
import { ResultWriter } from '@darkroom/operator';
import type { Operation } from '@darkroom/pipeline-spec';

export interface DownloadNote {
  readonly operation: Operation;
  readonly key: string;
  /** Where it was written, if it was. */
  readonly path?: string;
  readonly reason: string;
}

export interface DownloadReport {
  readonly written: number;
  /** Written under `unmappable/` because the key is not a plain path here. */
  readonly remapped: DownloadNote[];
  /** Not written because writing would follow a symbolic link out of `--out`. */
  readonly refused: DownloadNote[];
  /** Not written: the file system refused (permissions, full disk…). */
  readonly failed: DownloadNote[];
}

/** Download every result of every operation into `outDir`; never throws for one bad key. */
export async function downloadResults(
  outDir: string,
  outputsByOp: ReadonlyMap<Operation, readonly string[]>,
  get: (operation: Operation, key: string) => Promise<Buffer>,
): Promise<DownloadReport> {
  const writer = new ResultWriter(outDir);
  const report = {
    written: 0,
    remapped: [] as DownloadNote[],
    refused: [] as DownloadNote[],
    failed: [] as DownloadNote[],
  };
  for (const [operation, keys] of outputsByOp)
    for (const key of keys) {
      try {
        const result = await writer.write(operation, key, () => get(operation, key));
        if (result.kind === 'refused')
          report.refused.push({ operation, key, reason: result.reason });
        else report.written++;
        if (result.kind === 'remapped')
          report.remapped.push({ operation, key, path: result.path, reason: result.reason });
      } catch (error) {
        report.failed.push({ operation, key, reason: (error as Error).message });
      }
    }
  return report;
}
