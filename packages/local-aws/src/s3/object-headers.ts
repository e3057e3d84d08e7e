/**
 * The headers S3 keeps with an object that fauxqs drops: Cache-Control, Content-Disposition,
 * Content-Encoding, Content-Language and Expires, and user metadata with empty or non-ASCII
 * values. Non-ASCII metadata is stored decoded and answered RFC 2047-encoded
 * (`=?UTF-8?B?…?=`), as S3 documents ("character decoded as per RFC 2047 before storing and
 * encoded as per RFC 2047 to make them mail-safe before returning").
 * (docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html)
 *
 * Contract: Fastify hooks that remember these headers per object version (its ETag) from a
 * successful PutObject, CreateMultipartUpload + CompleteMultipartUpload or CopyObject, forget
 * them on DeleteObject, and add them to GET and HEAD answers for that same version only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { objectRequestOf } from './object-writes.ts';

export const KEPT_HEADERS = [
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
] as const;

type Headers = Readonly<Record<string, string>>;
type RequestHeaders = FastifyRequest['headers'];

/** A header value as the client meant it: RFC 2047 words decoded, UTF-8 bytes read as UTF-8. */
export function decodeHeaderValue(raw: string): string {
  const word = /^=\?UTF-8\?([BQ])\?(.*)\?=$/i.exec(raw);
  if (word?.[1]?.toUpperCase() === 'B')
    return Buffer.from(word[2] ?? '', 'base64').toString('utf8');
  if (word)
    return Buffer.from(
      (word[2] ?? '')
        .replace(/_/g, ' ')
        .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  const bytes = Buffer.from(raw, 'latin1'); // Node hands header bytes over as Latin-1
  const utf8 = bytes.toString('utf8');
  return Buffer.from(utf8, 'utf8').equals(bytes) ? utf8 : raw;
}

/** What S3 answers for a stored value: as is in ASCII, else one RFC 2047 base64 word. */
export function encodeHeaderValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value)
    ? value
    : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** The kept headers and all user metadata of a request, decoded. */
export function keptHeadersOf(headers: RequestHeaders): Headers {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const text = Array.isArray(value) ? value.join(',') : value;
    if (text === undefined) continue;
    if (name.startsWith('x-amz-meta-') || (KEPT_HEADERS as readonly string[]).includes(name))
      kept[name] = decodeHeaderValue(text);
  }
  return kept;
}

const header = (value: unknown) => (typeof value === 'string' ? value : undefined);

export class ObjectHeaders {
  readonly #objects = new Map<string, { etag: string; headers: Headers }>();
  readonly #uploads = new Map<string, Headers>();

  remember(bucket: string, key: string, etag: string | undefined, headers: Headers): void {
    if (etag) this.#objects.set(`${bucket}\n${key}`, { etag, headers });
  }

  forget(bucket: string, key: string): void {
    this.#objects.delete(`${bucket}\n${key}`);
  }

  /** The headers remembered for the object now at this key, whatever its version. */
  current(bucket: string, key: string): Headers | undefined {
    return this.#objects.get(`${bucket}\n${key}`)?.headers;
  }

  /** The headers of this version (by ETag), if it is the one remembered. */
  of(bucket: string, key: string, etag: string | undefined): Headers | undefined {
    const stored = this.#objects.get(`${bucket}\n${key}`);
    return stored && stored.etag === etag ? stored.headers : undefined;
  }

  startUpload(uploadId: string, headers: Headers): void {
    this.#uploads.set(uploadId, headers);
  }

  finishUpload(uploadId: string): Headers {
    const headers = this.#uploads.get(uploadId) ?? {};
    this.#uploads.delete(uploadId);
    return headers;
  }
}

function onWritten(
  store: ObjectHeaders,
  request: FastifyRequest,
  etag: string | undefined,
  payload: unknown,
): void {
  const target = objectRequestOf(request.method, request.url, request.headers);
  if (!target) return;
  const params = new URLSearchParams(request.url.split('?')[1] ?? '');
  if (target.kind === 'put')
    store.remember(target.bucket, target.key, etag, keptHeadersOf(request.headers));
  else if (target.kind === 'delete') store.forget(target.bucket, target.key);
  else if (request.method === 'POST' && params.has('uploads') && typeof payload === 'string') {
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(payload)?.[1];
    if (uploadId) store.startUpload(uploadId, keptHeadersOf(request.headers));
  } else if (target.kind === 'complete-multipart' && typeof payload === 'string') {
    const completed = /<ETag>([^<]+)<\/ETag>/.exec(payload)?.[1]?.replace(/&quot;/g, '"');
    store.remember(
      target.bucket,
      target.key,
      completed,
      store.finishUpload(params.get('uploadId') ?? ''),
    );
  }
}

function onCopied(store: ObjectHeaders, request: FastifyRequest, payload: unknown): void {
  const target = objectRequestOf(request.method, request.url, request.headers);
  const etag =
    typeof payload === 'string'
      ? /<ETag>([^<]+)<\/ETag>/.exec(payload)?.[1]?.replace(/&quot;/g, '"')
      : undefined;
  if (!target || target.kind !== 'copy') return;
  if (header(request.headers['x-amz-metadata-directive'])?.toUpperCase() === 'REPLACE')
    return store.remember(target.bucket, target.key, etag, keptHeadersOf(request.headers));
  const source = decodeURIComponent(
    header(request.headers['x-amz-copy-source'])?.split('?')[0] ?? '',
  ).replace(/^\//, '');
  const slash = source.indexOf('/');
  const kept = store.current(source.slice(0, slash), source.slice(slash + 1));
  if (kept) store.remember(target.bucket, target.key, etag, kept);
}

export function installObjectHeaders(app: FastifyInstance, store = new ObjectHeaders()): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    const status = reply.statusCode;
    const target = objectRequestOf(request.method, request.url, request.headers);
    if (target && status >= 200 && status < 300) {
      const etag = header(reply.getHeader('etag'));
      if (target.kind === 'read') {
        const kept = store.of(target.bucket, target.key, etag);
        for (const [name, value] of Object.entries(kept ?? {}))
          reply.header(name, encodeHeaderValue(value));
      } else if (target.kind === 'copy') onCopied(store, request, payload);
      else onWritten(store, request, etag, payload);
    }
    done(null, payload);
  });
}
