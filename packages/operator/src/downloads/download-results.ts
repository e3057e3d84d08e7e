/**
 * Results from S3 to `<out>`, by the one rule of `ResultWriter` (plain keys at their own path,
 * others under `unmappable/`, never through a symbolic link below `<out>`), in parallel. A
 * result already on disk with the same bytes (its size and MD5 against the ETag of a single-PUT
 * result) is left alone, so a download resumes; one that differs is replaced: the newest result
 * wins. One key that cannot be written never stops the others.
 */
import { GetObjectCommand, type _Object } from '@aws-sdk/client-s3';
import { type Operation, outputPrefix } from '@darkroom/pipeline-spec';
import { forEachLimited } from '../pool.ts';
import { listObjects } from '../storage/list-objects.ts';
import type { PipelineClients } from '../target.ts';
import { expectedEtag, unquoteEtag } from '../uploads/etag.ts';
import { type ResultBody, ResultWriter } from './result-writer.ts';

export interface DownloadOptions {
  readonly operations: readonly Operation[];
  readonly out: string;
  /** Only results written at or after this time. */
  readonly since?: Date;
  readonly concurrency: number;
}

export interface DownloadNote {
  readonly operation: Operation;
  readonly key: string;
  /** Where it was written, when it was. */
  readonly path?: string;
  readonly reason: string;
}

export interface DownloadReport {
  /** `<out>`, resolved. */
  readonly out: string;
  /** Keys written (at their plain path or remapped). */
  readonly written: string[];
  /** Already on disk with the same bytes. */
  readonly unchanged: number;
  /** Written under `unmappable/`: not a plain path here. */
  readonly remapped: DownloadNote[];
  /** Not written: a symbolic link below `<out>` was in the way. */
  readonly refused: DownloadNote[];
  /** Not written: the GET or the file system failed. */
  readonly failed: DownloadNote[];
}

interface Listed {
  readonly operation: Operation;
  readonly relativeKey: string;
  readonly object: _Object;
}

async function listResults(clients: PipelineClients, bucket: string, options: DownloadOptions) {
  const lists = await Promise.all(
    options.operations.map(async (operation) =>
      (await listObjects(clients.s3, bucket, outputPrefix(operation))).map((object) => ({
        operation,
        relativeKey: (object.Key ?? '').slice(outputPrefix(operation).length),
        object,
      })),
    ),
  );
  const since = options.since?.getTime();
  return lists
    .flat()
    .filter((r) => since === undefined || (r.object.LastModified?.getTime() ?? 0) >= since);
}

/**
 * Keys that are also a folder of other listed keys of their operation (`a` beside `a/b.jpg`):
 * the folder keeps its path for everything in it, the one key goes under `unmappable/`.
 */
export function foldersOfOthers(
  listed: readonly Pick<Listed, 'operation' | 'relativeKey'>[],
): Set<string> {
  const folders = new Set<string>();
  for (const { operation, relativeKey } of listed) {
    const segments = relativeKey.split('/');
    for (let n = 1; n < segments.length; n++)
      folders.add(`${operation}/${segments.slice(0, n).join('/')}`);
  }
  return new Set(
    listed.map((l) => `${l.operation}/${l.relativeKey}`).filter((id) => folders.has(id)),
  );
}

async function isUnchanged(writer: ResultWriter, listed: Listed): Promise<boolean> {
  const local = await writer.existingFile(listed.operation, listed.relativeKey);
  const etag = unquoteEtag(listed.object.ETag);
  if (!local || local.size !== listed.object.Size || !etag || etag.includes('-')) return false;
  return (await expectedEtag(local.path, local.size, Number.MAX_SAFE_INTEGER)) === etag;
}

async function getBody(clients: PipelineClients, bucket: string, key: string): Promise<ResultBody> {
  const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!object.Body) throw new Error(`GET ${key} returned no body`);
  return Buffer.from(await object.Body.transformToByteArray());
}

export async function downloadResults(
  clients: PipelineClients,
  bucket: string,
  options: DownloadOptions,
): Promise<DownloadReport> {
  const writer = new ResultWriter(options.out);
  const report = { out: writer.root, written: [] as string[], unchanged: 0 };
  const notes = {
    remapped: [] as DownloadNote[],
    refused: [] as DownloadNote[],
    failed: [] as DownloadNote[],
  };
  const listed = await listResults(clients, bucket, options);
  const folders = foldersOfOthers(listed);
  await forEachLimited(listed, options.concurrency, async (item) => {
    const { operation, relativeKey } = item;
    const key = item.object.Key ?? '';
    try {
      if (await isUnchanged(writer, item)) return void (report.unchanged += 1);
      const folder = folders.has(`${operation}/${relativeKey}`)
        ? `"${relativeKey}" is also the folder of other results here`
        : undefined;
      const result = await writer.write(
        operation,
        relativeKey,
        () => getBody(clients, bucket, key),
        folder,
      );
      if (result.kind === 'refused')
        return void notes.refused.push({ operation, key: relativeKey, reason: result.reason });
      report.written.push(key);
      if (result.kind === 'remapped')
        notes.remapped.push({
          operation,
          key: relativeKey,
          path: result.path,
          reason: result.reason,
        });
    } catch (error) {
      notes.failed.push({
        operation,
        key: relativeKey,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  });
  report.written.sort();
  return { ...report, ...notes };
}
