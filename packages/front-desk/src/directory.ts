/**
 * Who is calling: the client a bearer token names, its record read from the bucket (cached a few
 * seconds, so a revoked token stops working within that time) and the token checked against the
 * record's hashes. Every failure is the same 401: a caller learns nothing about which clients exist.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { type ClientRecord, clientOfToken, readClient, tokenMatches } from '@darkroom/operator';
import { ApiError } from './api-error.ts';

export const CLIENT_CACHE_MS = 10_000;

const unauthorized = () =>
  new ApiError(
    401,
    'InvalidToken',
    'Send your Darkroom token as "Authorization: Bearer drk_…"; this one is missing, unknown or revoked.',
  );

export class ClientDirectory {
  readonly #cache = new Map<string, { at: number; record: Promise<ClientRecord | undefined> }>();
  readonly #s3: S3Client;
  readonly #bucket: string;

  constructor(s3: S3Client, bucket: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
  }

  async authenticate(authorization: string | undefined): Promise<ClientRecord> {
    const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    const id = token && clientOfToken(token);
    if (!token || !id) throw unauthorized();
    const record = await this.#record(id);
    if (!record || !tokenMatches(record, token)) throw unauthorized();
    return record;
  }

  async #record(id: string): Promise<ClientRecord | undefined> {
    const cached = this.#cache.get(id);
    if (cached && Date.now() - cached.at < CLIENT_CACHE_MS) return cached.record;
    const record = readClient(this.#s3, this.#bucket, id);
    this.#cache.set(id, { at: Date.now(), record });
    return record.catch((error: unknown) => {
      this.#cache.delete(id);
      throw error;
    });
  }
}
