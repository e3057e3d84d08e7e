/**
 * The ETag S3 gives an object uploaded by this CLI, computed from the local file, so `upload` can
 * skip what is already there: the MD5 for a single PUT, MD5-of-part-MD5s plus `-<parts>` for a
 * multipart upload with `partSize` parts (what @aws-sdk/lib-storage sends for larger files).
 * Objects encrypted with SSE-KMS have other ETags; they are re-uploaded, never wrongly skipped.
 */
import { createHash } from 'node:crypto';
import { type PathLike, createReadStream } from 'node:fs';

export async function expectedEtag(
  path: PathLike,
  size: number,
  partSize: number,
): Promise<string> {
  if (size <= partSize) {
    const md5 = createHash('md5');
    for await (const chunk of createReadStream(path)) md5.update(chunk as Buffer);
    return md5.digest('hex');
  }
  const parts: Buffer[] = [];
  for await (const chunk of createReadStream(path, { highWaterMark: partSize })) {
    parts.push(
      createHash('md5')
        .update(chunk as Buffer)
        .digest(),
    );
  }
  return `${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-${parts.length}`;
}

export const unquoteEtag = (etag: string | undefined): string | undefined =>
  etag?.replace(/"/g, '');
