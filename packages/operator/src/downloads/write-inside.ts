/**
 * Open a file below a root folder without ever following a symbolic link below it: every folder
 * on the way is created or checked with lstat (a link, or a file where a folder must be, stops
 * the write), and the file itself is opened with O_NOFOLLOW, so a link left at its name is
 * refused rather than written through. The root itself is where the user said: it may be a link.
 */
import { constants } from 'node:fs';
import { type FileHandle, lstat, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';

export type OpenOutcome =
  | { readonly kind: 'opened'; readonly handle: FileHandle; readonly path: string }
  /** A symbolic link on the way: writing would leave the root. */
  | { readonly kind: 'link'; readonly path: string }
  /** A file where a folder must be, or a folder where the file must be (keys `a` and `a/b`). */
  | { readonly kind: 'clash'; readonly path: string };

const codeOf = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;

/** Create `dir` if missing; what is there now. */
async function ensureFolder(dir: string): Promise<'folder' | 'link' | 'clash'> {
  await mkdir(dir).catch((error: unknown) => {
    if (codeOf(error) !== 'EEXIST') throw error;
  });
  const found = await lstat(dir);
  return found.isSymbolicLink() ? 'link' : found.isDirectory() ? 'folder' : 'clash';
}

export async function openInside(
  root: string,
  segments: readonly string[],
  append = false,
): Promise<OpenOutcome> {
  let dir = root;
  for (const segment of segments.slice(0, -1)) {
    dir = join(dir, segment);
    const found = await ensureFolder(dir);
    if (found !== 'folder') return { kind: found, path: dir };
  }
  const path = join(dir, segments.at(-1) ?? '');
  const flags =
    constants.O_WRONLY |
    constants.O_CREAT |
    constants.O_NOFOLLOW |
    (append ? constants.O_APPEND : constants.O_TRUNC);
  try {
    return { kind: 'opened', handle: await open(path, flags, 0o644), path };
  } catch (error) {
    const code = codeOf(error);
    if (code === 'ELOOP') return { kind: 'link', path };
    if (code === 'EISDIR' || code === 'ENOTDIR') return { kind: 'clash', path };
    throw error;
  }
}

/** The regular file at `segments` below `root`, if one is there and no link is on the way. */
export async function fileInside(
  root: string,
  segments: readonly string[],
): Promise<{ path: string; size: number } | undefined> {
  let path = root;
  for (const [i, segment] of segments.entries()) {
    path = join(path, segment);
    const found = await lstat(path).catch(() => undefined);
    if (!found || found.isSymbolicLink()) return undefined;
    if (i === segments.length - 1) return found.isFile() ? { path, size: found.size } : undefined;
    if (!found.isDirectory()) return undefined;
  }
  return undefined;
}
