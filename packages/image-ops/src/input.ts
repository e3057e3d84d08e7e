/**
 * Reading and probing an input photo: bytes in (Buffer or stream, bounded), header checked,
 * format allowed, pixel count within the limit. All of it happens before any decode.
 */
import type { Readable } from 'node:stream';
import sharp, { type Metadata, type Sharp } from 'sharp';
import {
  CorruptImageError,
  ImageTooLargeError,
  UnsupportedFormatError,
  fromSharpError,
} from './errors.ts';

/** What every operation accepts: the whole photo as a Buffer, or a stream of it (e.g. an S3 Body). */
export type ImageInput = Buffer | Uint8Array | Readable | AsyncIterable<Uint8Array>;

/**
 * Formats a photo may arrive in. SVG, PDF and camera RAW are refused on purpose: SVG and PDF are
 * documents that can reference external resources, and RAW needs a development step.
 */
export const ACCEPTED_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif'] as const;

/** Header facts the operations need, taken before decoding. */
export interface ProbedImage {
  readonly bytes: Buffer;
  readonly format: (typeof ACCEPTED_FORMATS)[number];
  /** Width and height after EXIF orientation is applied. */
  readonly width: number;
  readonly height: number;
  readonly hasAlpha: boolean;
  readonly pages: number;
}

/**
 * Collect the input into one Buffer, refusing more than `maxBytes`.
 * libvips needs random access for most formats, so a stream is buffered either way; doing it here
 * lets the size limit stop a runaway upload early.
 *
 * @throws {ImageTooLargeError} when the input is longer than `maxBytes`.
 */
export async function readInput(input: ImageInput, maxBytes: number): Promise<Buffer> {
  if (Buffer.isBuffer(input)) return assertBytes(input, maxBytes);
  if (input instanceof Uint8Array)
    return assertBytes(Buffer.from(input.buffer, input.byteOffset, input.byteLength), maxBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of input) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      if ('destroy' in input && typeof input.destroy === 'function') input.destroy();
      throw tooManyBytes(maxBytes, total);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks, total);
}

function assertBytes(bytes: Buffer, maxBytes: number): Buffer {
  if (bytes.byteLength > maxBytes) throw tooManyBytes(maxBytes, bytes.byteLength);
  return bytes;
}

function tooManyBytes(limit: number, actual: number): ImageTooLargeError {
  return new ImageTooLargeError(
    `Input is larger than maxInputBytes (${limit} bytes, received at least ${actual}); raise maxInputBytes or upload a smaller file`,
    'read',
    limit,
    actual,
  );
}

function isAccepted(format: string | undefined): format is ProbedImage['format'] {
  return (ACCEPTED_FORMATS as readonly string[]).includes(format ?? '');
}

/**
 * Read the header and refuse what must not be decoded: empty data, unknown or refused formats,
 * HEIC when this sharp build has no HEVC decoder, and pixel bombs (a 50,000 × 50,000 PNG header is
 * refused here, in microseconds, without allocating its 10 GB of pixels).
 *
 * @throws {CorruptImageError} for empty input.
 * @throws {UnsupportedFormatError} for a format outside {@link ACCEPTED_FORMATS} or HEVC-coded HEIF.
 * @throws {ImageTooLargeError} when width × height exceeds `limitInputPixels`.
 */
export async function probe(bytes: Buffer, limitInputPixels: number): Promise<ProbedImage> {
  if (bytes.byteLength === 0) {
    throw new CorruptImageError('Input is empty (0 bytes); the upload did not complete', 'probe');
  }
  if (looksLikeXml(bytes)) {
    // Never hand an XML document to librsvg: SVG can reference external entities and files.
    throw new UnsupportedFormatError(
      `SVG/XML documents are not accepted; upload one of ${ACCEPTED_FORMATS.join(', ')}`,
      'probe',
      'svg',
    );
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw fromSharpError(error, 'probe');
  }
  if (!isAccepted(meta.format)) {
    throw new UnsupportedFormatError(
      `Format "${meta.format}" is not accepted; upload one of ${ACCEPTED_FORMATS.join(', ')}`,
      'probe',
      meta.format,
    );
  }
  // sharp's prebuilt libvips ships libheif with the AV1 decoder only (HEVC is patent-encumbered).
  if (meta.format === 'heif' && meta.compression === 'hevc') {
    throw new UnsupportedFormatError(
      'HEIC (HEVC-coded HEIF) cannot be decoded by this sharp build (no HEVC decoder for licensing reasons); convert to JPEG or AVIF before upload',
      'probe',
      'heic',
    );
  }
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  if (width <= 0 || height <= 0) {
    throw new CorruptImageError(`Image header has no dimensions (${width}×${height})`, 'probe');
  }
  const pixels = width * height;
  if (pixels > limitInputPixels) {
    throw new ImageTooLargeError(
      `Image is ${width}×${height} = ${pixels} pixels, above limitInputPixels ${limitInputPixels}; resize it before upload or raise the limit`,
      'probe',
      limitInputPixels,
      pixels,
    );
  }
  return {
    bytes,
    format: meta.format,
    width,
    height,
    hasAlpha: meta.hasAlpha ?? false,
    pages: meta.pages ?? 1,
  };
}

/** An XML prolog, doctype, comment or `<svg` at the start (after a BOM and whitespace). */
function looksLikeXml(bytes: Buffer): boolean {
  const head = bytes
    .subarray(0, 256)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return /^<(\?xml|!DOCTYPE|!--|svg)/i.test(head);
}

/**
 * Open the probed bytes for decoding with the limits in force.
 * `failOn: 'truncated'` rejects cut-off uploads (which would otherwise come out half grey) yet
 * tolerates the benign warnings many camera JPEGs trigger. Only the first frame of animated
 * GIF/WebP is read: the outputs are stills.
 */
export function open(image: ProbedImage, limitInputPixels: number): Sharp {
  return sharp(image.bytes, { limitInputPixels, failOn: 'truncated', pages: 1 }).rotate();
}
