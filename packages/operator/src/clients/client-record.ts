/**
 * A client of the photography business, as stored at `clients/<id>.json`: its token hashes
 * (never a token), its webhook and its quotas. Tokens are `drk_<client>_<43 random base64url
 * characters>` (256 bits): a fast SHA-256 is safe for secrets that cannot be guessed, so a
 * request costs no key-stretching.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CLIENT_ID_PATTERN } from '@darkroom/pipeline-spec';
import { z } from 'zod';

export const DEFAULT_QUOTA = { photosPerDay: 20_000, bytesStored: 200 * 1024 ** 3 } as const;

const tokenSchema = z.object({
  id: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
});

export const clientRecordSchema = z.object({
  id: z.string().regex(CLIENT_ID_PATTERN),
  name: z.string(),
  createdAt: z.string(),
  tokens: z.array(tokenSchema),
  webhook: z.object({ url: z.url(), secret: z.string().min(32) }).optional(),
  quota: z.object({
    photosPerDay: z.number().int().positive(),
    bytesStored: z.number().int().positive(),
  }),
});
export type ClientRecord = z.infer<typeof clientRecordSchema>;

const TOKEN = /^drk_([a-z0-9-]{1,40})_([A-Za-z0-9_-]{43})$/;

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A new token for `client`, and what is stored of it. */
export function newToken(
  client: string,
  now = new Date(),
): { token: string; stored: ClientRecord['tokens'][number] } {
  const token = `drk_${client}_${randomBytes(32).toString('base64url')}`;
  const hash = sha256(token);
  return { token, stored: { id: hash.slice(0, 8), sha256: hash, createdAt: now.toISOString() } };
}

/** The client a token claims to be; undefined when it is not a token's shape. */
export const clientOfToken = (token: string): string | undefined => TOKEN.exec(token)?.[1];

/** Whether `token` is one of the record's tokens that is not revoked (constant-time compare). */
export function tokenMatches(record: ClientRecord, token: string): boolean {
  const hash = Buffer.from(sha256(token), 'hex');
  return record.tokens.some(
    (t) => !t.revokedAt && timingSafeEqual(Buffer.from(t.sha256, 'hex'), hash),
  );
}

/** A webhook signing secret (returned once to the operator, kept in the record). */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;
