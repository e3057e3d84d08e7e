/**
 * Results from S3 to the local disk. S3 keys are opaque strings; file paths are not. A key is
 * written at `<out>/output/<op>/<key>` when that is a plain path inside `--out`; otherwise it is
 * written under `<out>/unmappable/<op>/` with a name derived from the key (listed in that
 * folder's `keys.tsv`), and reported. Nothing is ever written outside `--out`, and one key that
 * cannot be written never stops the others.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, realpath, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Operation } from '@darkroom/pipeline-spec';

/** Longest file name on Linux, macOS and Windows file systems (bytes). */
const NAME_MAX_BYTES = 255;
/** Errors that mean "this key is not a usable path here", not "the disk is broken". */
const UNMAPPABLE_ERRORS = new Set([
  'ENAMETOOLONG',
  'EEXIST',
  'ENOTDIR',
  'EISDIR',
  'EINVAL',
  'EILSEQ',
]);

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
  /** Not written because its path would leave `--out`. */
  readonly refused: DownloadNote[];
  /** Not written: the file system refused (permissions, full disk…). */
  readonly failed: DownloadNote[];
}

/** Why a key cannot be used as a relative path as is, or undefined when it can. */
export function unmappableReason(key: string): string | undefined {
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..')
      return `path segment ${JSON.stringify(segment)} would not name a file of its own`;
    if (segment.includes('\0')) return 'contains a NUL byte';
    if (Buffer.byteLength(segment) > NAME_MAX_BYTES)
      return `a path segment is ${Buffer.byteLength(segment)} bytes (file names take ${NAME_MAX_BYTES})`;
  }
  return undefined;
}

/** `<sha256 of the key, 16 hex>-<its last segment, at most 100 bytes>`: unique, recognisable. */
export function unmappableName(key: string): string {
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const last = key.split('/').at(-1) ?? '';
  const readable = Buffer.from(last.replace(/\0/g, ''))
    .subarray(0, 100)
    .toString()
    .replace(/\uFFFD+$/, '');
  return readable === '' || readable === '.' || readable === '..' ? hash : `${hash}-${readable}`;
}

const inside = (root: string, path: string) => path.startsWith(root + sep);

const errorCode = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;

/**
 * Write one result at its plain path.
 * @returns 'written', or why not: 'unmappable' (file system refused the name) or 'outside'.
 */
async function writePlain(
  root: string,
  key: string,
  data: Buffer,
): Promise<'written' | 'outside' | { unmappable: string }> {
  const target = resolve(root, ...key.split('/'));
  if (!inside(root, target)) return 'outside';
  try {
    await mkdir(dirname(target), { recursive: true });
    // A symbolic link inside --out (e.g. left by someone) must not carry a write outside it.
    if (!inside(await realpath(root), join(await realpath(dirname(target)), 'x'))) return 'outside';
    await writeFile(target, data);
    return 'written';
  } catch (error) {
    const code = errorCode(error);
    if (code && UNMAPPABLE_ERRORS.has(code))
      return { unmappable: `${code}: ${(error as Error).message}` };
    throw error;
  }
}

async function writeUnmappable(outDir: string, operation: Operation, key: string, data: Buffer) {
  const dir = join(outDir, 'unmappable', operation);
  await mkdir(dir, { recursive: true });
  const path = join(dir, unmappableName(key));
  await writeFile(path, data);
  await appendFile(join(dir, 'keys.tsv'), `${unmappableName(key)}\t${encodeURI(key)}\n`);
  return path;
}

/** Download every result of every operation into `outDir`; never throws for one bad key. */
export async function downloadResults(
  outDir: string,
  outputsByOp: ReadonlyMap<Operation, readonly string[]>,
  get: (operation: Operation, key: string) => Promise<Buffer>,
): Promise<DownloadReport> {
  const report = { written: 0, remapped: [], refused: [], failed: [] } as {
    written: number;
    remapped: DownloadNote[];
    refused: DownloadNote[];
    failed: DownloadNote[];
  };
  const base = resolve(outDir);
  for (const [operation, keys] of outputsByOp) {
    const root = join(base, 'output', operation);
    await mkdir(root, { recursive: true });
    for (const key of keys) {
      try {
        const data = await get(operation, key);
        let reason = unmappableReason(key);
        if (!reason) {
          const outcome = await writePlain(root, key, data);
          if (outcome === 'written') {
            report.written++;
            continue;
          }
          if (outcome === 'outside') {
            report.refused.push({ operation, key, reason: `its path would be outside ${base}` });
            continue;
          }
          reason = outcome.unmappable;
        }
        const path = await writeUnmappable(base, operation, key, data);
        report.written++;
        report.remapped.push({ operation, key, path, reason });
      } catch (error) {
        report.failed.push({ operation, key, reason: (error as Error).message });
      }
    }
  }
  return report;
}
