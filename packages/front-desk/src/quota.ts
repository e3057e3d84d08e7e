/**
 * Per-client quotas, so one client cannot run up the bill: photos per UTC day (counted when
 * uploads are signed, in `clients/<id>/usage/<day>.json`, updated with conditional writes so
 * replicas never lose a count) and bytes stored (the client's originals and results, listed and
 * cached for a minute). Over either: 429 QuotaExceeded, saying which and the limit.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type ClientRecord, listObjects } from '@darkroom/operator';
import { type Operation, clientInputPrefix, clientOutputPrefix } from '@darkroom/pipeline-spec';
import { ApiError } from './api-error.ts';

const STORED_CACHE_MS = 60_000;

const usageKey = (client: string, day: string) => `clients/${client}/usage/${day}.json`;
const statusOf = (error: unknown) =>
  typeof error === 'object' &&
  error !== null &&
  '$metadata' in error &&
  typeof error.$metadata === 'object' &&
  error.$metadata !== null &&
  'httpStatusCode' in error.$metadata
    ? error.$metadata.httpStatusCode
    : undefined;

export class Quotas {
  readonly #stored = new Map<string, { at: number; bytes: Promise<number> }>();
  readonly #s3: S3Client;
  readonly #bucket: string;
  readonly #operations: readonly Operation[];

  constructor(s3: S3Client, bucket: string, operations: readonly Operation[]) {
    this.#s3 = s3;
    this.#bucket = bucket;
    this.#operations = operations;
  }

  /** Count `photos` more for today and check the stored bytes would stay under the quota. @throws {ApiError} 429. */
  async reserve(
    client: ClientRecord,
    photos: number,
    bytes: number,
    now = new Date(),
  ): Promise<void> {
    const stored = await this.storedBytes(client.id);
    if (stored + bytes > client.quota.bytesStored)
      throw new ApiError(
        429,
        'QuotaExceeded',
        `Storage quota: ${stored + bytes} bytes would exceed your ${client.quota.bytesStored}; delete photos or ask the studio for more.`,
      );
    const day = now.toISOString().slice(0, 10);
    for (let attempt = 0; attempt < 5; attempt++) {
      const { count, etag } = await this.#today(client.id, day);
      if (count + photos > client.quota.photosPerDay)
        throw new ApiError(
          429,
          'QuotaExceeded',
          `Daily quota: ${count + photos} photos today would exceed your ${client.quota.photosPerDay}; try again tomorrow (UTC) or ask the studio for more.`,
        );
      const written = await this.#s3
        .send(
          new PutObjectCommand({
            Bucket: this.#bucket,
            Key: usageKey(client.id, day),
            Body: JSON.stringify({ photos: count + photos }),
            ...(etag ? { IfMatch: etag } : { IfNoneMatch: '*' }),
          }),
        )
        .then(() => true)
        .catch((error: unknown) => {
          if (statusOf(error) === 412) return false; // another replica counted first: read again
          throw error;
        });
      if (written) return;
    }
    throw new ApiError(
      503,
      'Busy',
      'Too many uploads are being signed for you at once; retry in a moment.',
    );
  }

  async #today(client: string, day: string): Promise<{ count: number; etag?: string }> {
    try {
      const object = await this.#s3.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: usageKey(client, day) }),
      );
      const parsed: unknown = JSON.parse((await object.Body?.transformToString()) ?? '{}');
      const count =
        typeof parsed === 'object' &&
        parsed !== null &&
        'photos' in parsed &&
        typeof parsed.photos === 'number'
          ? parsed.photos
          : 0;
      return { count, ...(object.ETag ? { etag: object.ETag } : {}) };
    } catch (error) {
      if (statusOf(error) === 404) return { count: 0 };
      throw error;
    }
  }

  storedBytes(client: string): Promise<number> {
    const cached = this.#stored.get(client);
    if (cached && Date.now() - cached.at < STORED_CACHE_MS) return cached.bytes;
    const prefixes = this.#operations.flatMap((op) => [
      clientInputPrefix(op, client),
      clientOutputPrefix(op, client),
    ]);
    const bytes = Promise.all(prefixes.map((p) => listObjects(this.#s3, this.#bucket, p))).then(
      (lists) => lists.flat().reduce((sum, o) => sum + (o.Size ?? 0), 0),
    );
    this.#stored.set(client, { at: Date.now(), bytes });
    return bytes;
  }
}
