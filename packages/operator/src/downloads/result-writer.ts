/**
 * Results on disk, one rule for `darkroom results` and `npm start`: a key is written at
 * `<out>/output/<op>/<key>` when it is a plain path (placement.ts) and nothing on the way is a
 * symbolic link; a key that is not a plain path here, or clashes with another (`a` and `a/b`), is
 * written under `<out>/unmappable/<op>/` with a unique name listed in that folder's `keys.tsv`;
 * a link on the way refuses the write. Nothing is ever written outside `<out>`.
 */
import { type FileHandle, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Operation } from '@darkroom/pipeline-spec';
import { type Placement, placementOf, unmappableName } from './placement.ts';
import { fileInside, openInside } from './write-inside.ts';

export type ResultBody = Buffer | AsyncIterable<Uint8Array>;

export type WriteResult =
  | { readonly kind: 'written'; readonly path: string }
  | { readonly kind: 'remapped'; readonly path: string; readonly reason: string }
  | { readonly kind: 'refused'; readonly reason: string };

async function writeBody(handle: FileHandle, body: ResultBody): Promise<void> {
  if (!Buffer.isBuffer(body)) return pipeline(body, handle.createWriteStream()); // closes the handle
  try {
    await handle.writeFile(body);
  } finally {
    await handle.close();
  }
}

function discard(body: ResultBody): void {
  if (!Buffer.isBuffer(body) && 'destroy' in body && typeof body.destroy === 'function')
    (body.destroy as () => void).call(body);
}

export class ResultWriter {
  readonly root: string;

  constructor(outDir: string) {
    this.root = resolve(outDir);
  }

  /** Write one result; never throws for a key, only for a broken disk. */
  /**
   * @param folderOfOthers why the key must not take its plain path although it is one: it is a
   *   folder of other keys of the same download (decided for the whole listing, so the layout
   *   does not depend on which download finished first).
   */
  async write(
    operation: Operation,
    relativeKey: string,
    body: () => Promise<ResultBody>,
    folderOfOthers?: string,
  ): Promise<WriteResult> {
    await mkdir(this.root, { recursive: true }); // where the user said: it may itself be a link
    const placement: Placement = folderOfOthers
      ? { kind: 'unmappable', name: unmappableName(relativeKey), reason: folderOfOthers }
      : placementOf(relativeKey);
    let reason = placement.kind === 'unmappable' ? placement.reason : '';
    if (placement.kind === 'plain') {
      const data = await body(); // before the file is opened: a failed GET truncates nothing
      const opened = await openInside(this.root, ['output', operation, ...placement.segments]);
      if (opened.kind === 'opened') {
        await writeBody(opened.handle, data);
        return { kind: 'written', path: opened.path };
      }
      discard(data); // a stream is read once: a remapped write fetches the body again
      if (opened.kind === 'link')
        return {
          kind: 'refused',
          reason: `${opened.path} is a symbolic link: writing through it could leave ${this.root}`,
        };
      reason = `${opened.path} clashes with another result's file or folder`;
    }
    return this.writeUnmappable(operation, relativeKey, reason, body);
  }

  private async writeUnmappable(
    operation: Operation,
    key: string,
    reason: string,
    body: () => Promise<ResultBody>,
  ): Promise<WriteResult> {
    const name = unmappableName(key);
    const opened = await openInside(this.root, ['unmappable', operation, name]);
    if (opened.kind !== 'opened')
      return {
        kind: 'refused',
        reason: `${opened.path} is not a plain file here (${opened.kind})`,
      };
    await writeBody(opened.handle, await body());
    const index = await openInside(this.root, ['unmappable', operation, 'keys.tsv'], true);
    if (index.kind === 'opened')
      await writeBody(index.handle, Buffer.from(`${name}\t${encodeURI(key)}\n`));
    return { kind: 'remapped', path: opened.path, reason };
  }

  /** The result already at its plain path (never through a link), for resumable downloads. */
  existingFile(
    operation: Operation,
    relativeKey: string,
  ): Promise<{ path: string; size: number } | undefined> {
    const placement = placementOf(relativeKey);
    if (placement.kind !== 'plain') return Promise.resolve(undefined);
    return fileInside(this.root, ['output', operation, ...placement.segments]);
  }
}
