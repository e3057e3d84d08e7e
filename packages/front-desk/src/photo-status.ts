/** Where a photo stands per operation, and failure reasons in words a client can act on. */
export type PhotoStatus = 'waiting' | 'done' | 'failed';

const CLIENT_REASONS: Readonly<Record<string, string>> = {
  UnsupportedFormat:
    'This file is not an image format we can read (JPEG, PNG, WebP, TIFF, GIF, AVIF, HEIC).',
  CorruptImage: 'This image is damaged or incomplete; upload it again from the original.',
  ImageTooLarge: 'This image is too large to process.',
  OutputKeyTooLong: 'The file name is too long; rename it and upload it again.',
};

export const clientReason = (code: string): string =>
  CLIENT_REASONS[code] ?? 'This photo could not be processed; the studio has been told.';

export interface StatusFacts {
  readonly originalModified: Date;
  readonly resultModified?: Date | undefined;
  readonly failureCode?: string | undefined;
}

/**
 * Done when a result at least as new as the original exists; failed when a DLQ names it and no
 * such result exists; else waiting (a result of an older version is not this photo's result).
 */
export function photoStatus(facts: StatusFacts): { status: PhotoStatus; reason?: string } {
  const current =
    facts.resultModified !== undefined &&
    facts.resultModified.getTime() >= facts.originalModified.getTime();
  if (current) return { status: 'done' };
  if (facts.failureCode) return { status: 'failed', reason: clientReason(facts.failureCode) };
  return { status: 'waiting' };
}
