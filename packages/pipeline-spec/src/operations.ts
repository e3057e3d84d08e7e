/** The operations Darkroom runs, and where their photos live in the bucket. */

export const OPERATIONS = ['grayscale', 'watermark', 'thumbnail'] as const;
export type Operation = (typeof OPERATIONS)[number];

export const INPUT_ROOT = 'input/';
/** S3's limit on a key, in UTF-8 bytes. An output key is one byte longer than its input key. */
export const MAX_KEY_BYTES = 1024;
export const OUTPUT_ROOT = 'output/';

export function isOperation(value: string): value is Operation {
  return (OPERATIONS as readonly string[]).includes(value);
}

/** `input/<op>/`: uploads under it trigger the operation. */
export function inputPrefix(operation: Operation): string {
  return `${INPUT_ROOT}${operation}/`;
}

/** `output/<op>/`: the operation's results, at the same relative key as their source. */
export function outputPrefix(operation: Operation): string {
  return `${OUTPUT_ROOT}${operation}/`;
}

/**
 * The result key of a source key: deterministic, so a redelivered message overwrites the same
 * object. Returns `undefined` when the key is not under the operation's input prefix, or names
 * the prefix itself (a "folder" placeholder object).
 *
 * @example outputKeyFor('thumbnail', 'input/thumbnail/2026/a b.jpg') // 'output/thumbnail/2026/a b.jpg'
 */
export function outputKeyFor(operation: Operation, sourceKey: string): string | undefined {
  const prefix = inputPrefix(operation);
  if (!sourceKey.startsWith(prefix) || sourceKey.length === prefix.length) return undefined;
  return outputPrefix(operation) + sourceKey.slice(prefix.length);
}

/**
 * A "folder" placeholder: the S3 console's *Create folder* puts an empty object whose key ends
 * in `/`. It is not a photo and has no result. An object of that shape that holds bytes is
 * someone's file (SDKs and `PutObject` allow the key): it is not a placeholder.
 * @example isFolderPlaceholder('input/grayscale/2026/', 0) // true
 * @example isFolderPlaceholder('input/grayscale/2026/', 2_400_000) // false
 */
export function isFolderPlaceholder(key: string, size: number): boolean {
  return key.endsWith('/') && size === 0;
}
