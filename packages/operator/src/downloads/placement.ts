/**
 * Where a result's key lands on disk, decided from the key alone. S3 keys are opaque strings;
 * paths are not: a key is written at its own relative path only when every segment names a file
 * of its own (`pair0/../p0.jpg` and `p0.jpg` must never become one file). Any other key gets a
 * unique name derived from the whole key, under `unmappable/`.
 */
import { createHash } from 'node:crypto';

/** Longest file name on Linux, macOS and Windows file systems (bytes). */
export const NAME_MAX_BYTES = 255;

export type Placement =
  | { readonly kind: 'plain'; readonly segments: readonly string[] }
  | { readonly kind: 'unmappable'; readonly name: string; readonly reason: string };

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

/** @example placementOf('2026/a.jpg') // { kind: 'plain', segments: ['2026', 'a.jpg'] } */
export function placementOf(relativeKey: string): Placement {
  const reason = unmappableReason(relativeKey);
  return reason
    ? { kind: 'unmappable', name: unmappableName(relativeKey), reason }
    : { kind: 'plain', segments: relativeKey.split('/') };
}
