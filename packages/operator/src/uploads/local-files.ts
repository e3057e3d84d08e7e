/**
 * The files an upload sends, one walk for `darkroom upload` and `npm start`: every file under a
 * folder, recursively, hidden ones left out, names read as bytes (a folder from an old camera or
 * a Windows share may hold Latin-1 names that are not UTF-8). An entry that cannot be sent — a
 * dangling link, a link loop, an unreadable folder — is skipped and reported; it never stops the
 * others. Symbolic links are followed only when the caller says so (`--follow-symlinks`).
 */
import { type Dirent, readdirSync, realpathSync, statSync } from 'node:fs';
import { TextDecoder } from 'node:util';

export interface LocalFile {
  /** Its path as the file system has it: bytes, so names in any encoding open. */
  readonly path: Buffer;
  /** Its path below the folder, `/`-separated, as text (the S3 key below the prefix). */
  readonly relativeKey: string;
  readonly size: number;
}

export interface SkippedEntry {
  readonly relativeKey: string;
  readonly reason: string;
}

export interface LocalFiles {
  readonly files: LocalFile[];
  readonly skipped: SkippedEntry[];
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

const codeOf = (error: unknown) => (error as { code?: string }).code ?? (error as Error).message;

/**
 * @throws {Error} only when `dir` itself cannot be read (the caller names it to the user).
 */
export function listLocalFiles(dir: string, options: { followSymlinks: boolean }): LocalFiles {
  const files: LocalFile[] = [];
  const skipped: SkippedEntry[] = [];
  const seen = new Set<string>([realpathSync(dir)]);
  const walk = (path: Buffer, prefix: string, entries: Dirent<Buffer>[]) => {
    for (const entry of entries) {
      if (entry.name[0] === 0x2e) continue; // '.'
      const child = Buffer.concat([path, Buffer.from('/'), entry.name]);
      const key = `${prefix}${nameAsText(entry.name)}`;
      if (entry.isSymbolicLink() && !options.followSymlinks) {
        skipped.push({
          relativeKey: key,
          reason: 'a symbolic link: not followed (--follow-symlinks uploads what it points to)',
        });
        continue;
      }
      try {
        const stat = entry.isSymbolicLink() ? statSync(child) : entry;
        if (stat.isDirectory()) {
          const real = realpathSync(child).toString();
          if (seen.has(real)) {
            skipped.push({
              relativeKey: key,
              reason: 'a link back to a folder already uploaded (a loop)',
            });
            continue;
          }
          seen.add(real);
          walk(child, `${key}/`, readdirSync(child, { withFileTypes: true, encoding: 'buffer' }));
        } else if (stat.isFile())
          files.push({ path: child, relativeKey: key, size: statSync(child).size });
        else skipped.push({ relativeKey: key, reason: 'not a regular file' });
      } catch (error) {
        const code = codeOf(error);
        const why =
          code === 'ENOENT'
            ? 'a symbolic link to nothing (dangling)'
            : code === 'ELOOP'
              ? 'a symbolic link loop'
              : `cannot be read (${code})`;
        skipped.push({ relativeKey: key, reason: why });
      }
    }
  };
  walk(Buffer.from(dir), '', readdirSync(dir, { withFileTypes: true, encoding: 'buffer' }));
  const byKey = (a: { relativeKey: string }, b: { relativeKey: string }) =>
    a.relativeKey < b.relativeKey ? -1 : a.relativeKey > b.relativeKey ? 1 : 0;
  return { files: files.sort(byKey), skipped: skipped.sort(byKey) };
}
