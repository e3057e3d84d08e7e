/** Which files go to which operation. */
import {
  type LocalFile as OperatorLocalFile,
  type SkippedEntry,
  listLocalFiles,
  nameAsText,
} from '@darkroom/operator';
import type { Operation } from '@darkroom/pipeline-spec';

/** A file under the input folder (the operator library's walk, shared with `darkroom upload`). */
export type LocalFile = Pick<OperatorLocalFile, 'path' | 'relativeKey' | 'size'>;

export interface PlannedUpload extends LocalFile {
  readonly operation: Operation;
}

export { nameAsText };

/**
 * Every file under `dir`, recursively, non-images included (they end in the DLQ, as in
 * production); hidden files and folders skipped, Latin-1 names kept, symbolic links followed
 * (npm start's way: its input is the user's own folder). Entries that cannot be sent (dangling
 * links, loops) go to `onSkipped`, never stop the run.
 */
export function listFiles(
  dir: string,
  onSkipped: (entry: SkippedEntry) => void = () => undefined,
): LocalFile[] {
  const { files, skipped } = listLocalFiles(dir, { followSymlinks: true });
  skipped.forEach(onSkipped);
  return files.map(({ path, relativeKey, size }) => ({ path, relativeKey, size }));
}

/**
 * Without a mix every file goes to every operation; with a mix (percentages per operation, in
 * `operations` order) each file goes to one operation, spread deterministically.
 * @throws {RangeError} when the mix does not have one non-negative share per operation.
 */
export function planUploads<File extends Pick<LocalFile, 'path' | 'relativeKey'>>(
  files: readonly File[],
  operations: readonly Operation[],
  mix?: readonly number[],
): (File & { readonly operation: Operation })[] {
  if (!mix) return operations.flatMap((operation) => files.map((file) => ({ operation, ...file })));
  if (mix.length !== operations.length || mix.some((m) => !(m >= 0)) || mix.every((m) => m === 0)) {
    throw new RangeError(
      `--mix needs ${operations.length} non-negative numbers (one per operation: ${operations.join(', ')}), received ${mix.join(',')}`,
    );
  }
  const total = mix.reduce((a, b) => a + b, 0);
  const assigned = operations.map(() => 0);
  return files.map((file, index) => {
    // pick the operation furthest below its share so far
    let best = 0;
    for (let o = 1; o < operations.length; o++) {
      const deficit = (i: number) => ((mix[i] ?? 0) / total) * (index + 1) - (assigned[i] ?? 0);
      if (deficit(o) > deficit(best)) best = o;
    }
    assigned[best] = (assigned[best] ?? 0) + 1;
    return { operation: operations[best] as Operation, ...file };
  });
}
