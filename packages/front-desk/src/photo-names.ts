/** A photo's name in a client's key space: its relative path, checked before any URL is signed. */
import { ApiError } from './api-error.ts';

const MAX_NAME_BYTES = 512;

/**
 * @throws {ApiError} 400 InvalidName for an empty name, one over 512 bytes, control characters,
 *   a leading `/`, or `.`/`..`/empty segments (a name can never climb out of the client's prefix).
 */
export function checkedName(name: unknown): string {
  const text = typeof name === 'string' ? name : '';
  const problem =
    text === ''
      ? 'is empty'
      : Buffer.byteLength(text) > MAX_NAME_BYTES
        ? `is over ${MAX_NAME_BYTES} bytes`
        : /\p{Cc}/u.test(text)
          ? 'contains control characters'
          : text.split('/').some((s) => s === '' || s === '.' || s === '..')
            ? 'has an empty, "." or ".." path segment'
            : undefined;
  if (problem)
    throw new ApiError(
      400,
      'InvalidName',
      `The photo name ${JSON.stringify(text.slice(0, 80))} ${problem}`,
    );
  return text;
}
