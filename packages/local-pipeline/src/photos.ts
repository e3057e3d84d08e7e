/** Which files go to which operation. */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Operation } from '@darkroom/pipeline-spec';

export interface PlannedUpload {
  readonly operation: Operation;
  readonly path: string;
  /** Key under `input/<op>/`, with `/` separators. */
  readonly relativeKey: string;
}

/** Every file under `dir`, recursively, non-images included (they end in the DLQ, as in production). */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile() && !f.split(sep).some((part) => part.startsWith('.')))
    .sort();
}

/**
 * Without a mix every file goes to every operation; with a mix (percentages per operation, in
 * `operations` order) each file goes to one operation, spread deterministically.
 * @throws {RangeError} when the mix does not have one non-negative share per operation.
 */
export function planUploads(
  dir: string,
  files: readonly string[],
  operations: readonly Operation[],
  mix?: readonly number[],
): PlannedUpload[] {
  const toKey = (path: string) => relative(dir, path).split(sep).join('/');
  if (!mix)
    return operations.flatMap((operation) =>
      files.map((path) => ({ operation, path, relativeKey: toKey(path) })),
    );
  if (mix.length !== operations.length || mix.some((m) => !(m >= 0)) || mix.every((m) => m === 0)) {
    throw new RangeError(
      `--mix needs ${operations.length} non-negative numbers (one per operation: ${operations.join(', ')}), received ${mix.join(',')}`,
    );
  }
  const total = mix.reduce((a, b) => a + b, 0);
  const assigned = operations.map(() => 0);
  return files.map((path, index) => {
    // pick the operation furthest below its share so far
    let best = 0;
    for (let o = 1; o < operations.length; o++) {
      const deficit = (i: number) => ((mix[i] ?? 0) / total) * (index + 1) - (assigned[i] ?? 0);
      if (deficit(o) > deficit(best)) best = o;
    }
    assigned[best] = (assigned[best] ?? 0) + 1;
    return { operation: operations[best] as Operation, path, relativeKey: toKey(path) };
  });
}
