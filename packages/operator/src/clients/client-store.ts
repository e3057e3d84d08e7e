/**
 * Client records in the photo bucket under `clients/` (private, encrypted like the photos; no
 * worker may read there). The operator writes them (`darkroom clients`), the front desk reads.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CLIENTS_PREFIX, clientRecordKey, isClientId } from '@darkroom/pipeline-spec';
import { listObjects } from '../storage/list-objects.ts';
import {
  type ClientRecord,
  DEFAULT_QUOTA,
  clientRecordSchema,
  newToken,
  newWebhookSecret,
} from './client-record.ts';

export class ClientError extends Error {
  override readonly name = 'ClientError';
}

const isMissing = (error: unknown) =>
  typeof error === 'object' &&
  error !== null &&
  'name' in error &&
  (error.name === 'NoSuchKey' || error.name === 'NotFound');

export async function readClient(
  s3: S3Client,
  bucket: string,
  id: string,
): Promise<ClientRecord | undefined> {
  if (!isClientId(id)) return undefined;
  try {
    const object = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: clientRecordKey(id) }),
    );
    return clientRecordSchema.parse(JSON.parse((await object.Body?.transformToString()) ?? ''));
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

export async function writeClient(
  s3: S3Client,
  bucket: string,
  record: ClientRecord,
): Promise<void> {
  const body = JSON.stringify(clientRecordSchema.parse(record), null, 2);
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: clientRecordKey(record.id),
      Body: body,
      ContentType: 'application/json',
    }),
  );
}

export interface NewClient {
  readonly id: string;
  readonly name?: string;
  readonly webhookUrl?: string;
  readonly quota?: Partial<ClientRecord['quota']>;
}

/**
 * Create a client, or give an existing one another token. @returns the token (shown once) and,
 * for a new webhook, its signing secret.
 * @throws {ClientError} for an id that is not a client id.
 */
export async function addClient(s3: S3Client, bucket: string, client: NewClient, now = new Date()) {
  if (!isClientId(client.id))
    throw new ClientError(
      `a client id is 1-40 lower-case letters, digits and inner hyphens, received ${JSON.stringify(client.id)}`,
    );
  const existing = await readClient(s3, bucket, client.id);
  const { token, stored } = newToken(client.id, now);
  const webhook = client.webhookUrl
    ? { url: client.webhookUrl, secret: existing?.webhook?.secret ?? newWebhookSecret() }
    : existing?.webhook;
  const record: ClientRecord = {
    id: client.id,
    name: client.name ?? existing?.name ?? client.id,
    createdAt: existing?.createdAt ?? now.toISOString(),
    tokens: [...(existing?.tokens ?? []), stored],
    ...(webhook ? { webhook } : {}),
    quota: { ...DEFAULT_QUOTA, ...existing?.quota, ...client.quota },
  };
  await writeClient(s3, bucket, record);
  return { record, token, webhookSecret: webhook?.secret };
}

/** Revoke one token (by its id) or all of a client's. @throws {ClientError} for an unknown client or token. */
export async function revokeClient(
  s3: S3Client,
  bucket: string,
  id: string,
  tokenId?: string,
  now = new Date(),
) {
  const record = await readClient(s3, bucket, id);
  if (!record) throw new ClientError(`no client ${JSON.stringify(id)}`);
  if (tokenId && !record.tokens.some((t) => t.id === tokenId))
    throw new ClientError(`client ${id} has no token ${tokenId}`);
  const tokens = record.tokens.map((t) =>
    !t.revokedAt && (!tokenId || t.id === tokenId) ? { ...t, revokedAt: now.toISOString() } : t,
  );
  const revoked = { ...record, tokens };
  await writeClient(s3, bucket, revoked);
  return revoked;
}

export async function listClients(s3: S3Client, bucket: string): Promise<ClientRecord[]> {
  const objects = await listObjects(s3, bucket, CLIENTS_PREFIX);
  const ids = objects
    .map((o) => (o.Key ?? '').slice(CLIENTS_PREFIX.length).replace(/\.json$/, ''))
    .filter(isClientId);
  const records = await Promise.all(ids.map((id) => readClient(s3, bucket, id)));
  return records.filter((r): r is ClientRecord => r !== undefined);
}
