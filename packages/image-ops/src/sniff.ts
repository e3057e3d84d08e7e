/**
 * Is this the start of a photo Darkroom accepts? Decided from the first bytes alone
 * (`file-type`'s magic numbers), so a worker can refuse a 200 MB non-image after its first
 * chunk instead of downloading all of it. An empty or very short start is left to the full
 * check (it reports an empty or truncated upload precisely).
 */
import { fileTypeFromBuffer } from 'file-type';
import { ACCEPTED_FORMATS } from './input.ts';

/** How much of a file the check reads (file-type's sample size). */
export const SNIFF_BYTES = 4100;
/** Below this, nothing is decided here. */
const TOO_SHORT_TO_TELL = 16;

type AcceptedFormat = (typeof ACCEPTED_FORMATS)[number];

const BY_MIME: Readonly<Record<string, AcceptedFormat>> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/tiff': 'tiff',
  'image/heic': 'heif',
  'image/heic-sequence': 'heif',
  'image/heif': 'heif',
  'image/heif-sequence': 'heif',
  'image/avif': 'heif',
};

export type Sniffed =
  | { readonly kind: 'accepted'; readonly format: AcceptedFormat }
  | { readonly kind: 'refused'; readonly detected: string | undefined }
  | { readonly kind: 'undecided' };

/** @example await sniffFormat(firstBytes) // { kind: 'refused', detected: 'application/pdf' } */
export async function sniffFormat(head: Uint8Array): Promise<Sniffed> {
  if (head.byteLength < TOO_SHORT_TO_TELL) return { kind: 'undecided' };
  const found = await fileTypeFromBuffer(head.subarray(0, SNIFF_BYTES));
  const format = found ? BY_MIME[found.mime] : undefined;
  return format ? { kind: 'accepted', format } : { kind: 'refused', detected: found?.mime };
}
