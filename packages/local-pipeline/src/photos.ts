/** Which files go to which operation. */
import { readdirSync, statSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import type { Operation } from '@darkroom/pipeline-spec';

/** A file under the input folder. */
export interface LocalFile {
  /** Its path as the file system has it: bytes, so names in any encoding open. */
  readonly path: Buffer;
  /** Its path below the input folder, `/`-separated, as text (the S3 key under `input/<op>/`). */
  readonly relativeKey: string;
}

export interface PlannedUpload extends LocalFile {
  readonly operation: Operation;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A file name as text: UTF-8 when it is valid UTF-8, else Latin-1 (every byte is a character). */
export function nameAsText(name: Buffer): string {
  try {
    return utf8.decode(name);
  } catch {
    return name.toString('latin1');
  }
}

/**
 * Every file under `dir`, recursively, non-images included (they end in the DLQ, as in
 * production); hidden files and folders skipped. Names are read as bytes: a folder copied from an
 * old camera or Windows share may hold Latin-1 names that are not valid UTF-8.
 */
export function listFiles(dir: string): LocalFile[] {
  const files: LocalFile[] = [];
  const walk = (path: Buffer, prefix: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true, encoding: 'buffer' })) {
      if (entry.name[0] === 0x2e) continue; // '.'
      const child = Buffer.concat([path, Buffer.from('/'), entry.name]);
      const key = `${prefix}${nameAsText(entry.name)}`;
      const stat = entry.isSymbolicLink() ? statSync(child) : entry;
      if (stat.isDirectory()) walk(child, `${key}/`);
      else if (stat.isFile()) files.push({ path: child, relativeKey: key });
    }
  };
  walk(Buffer.from(dir), '');
  return files.sort((a, b) =>
    a.relativeKey < b.relativeKey ? -1 : a.relativeKey > b.relativeKey ? 1 : 0,
  );
}

/**
 * Without a mix every file goes to every operation; with a mix (percentages per operation, in
 * `operations` order) each file goes to one operation, spread deterministically.
 * @throws {RangeError} when the mix does not have one non-negative share per operation.
 */
export function planUploads(
  files: readonly LocalFile[],
  operations: readonly Operation[],
  mix?: readonly number[],
): PlannedUpload[] {
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
