/**
 * What the emulator adds to fauxqs's object writes: which request writes which key, one write
 * per key at a time (so a precondition check and the write it guards are atomic, and events get
 * sequencers in write order), and S3's conditional-write rules.
 */

export type ObjectRequestKind =
  'put' | 'copy' | 'complete-multipart' | 'delete' | 'read' | 'other-object';

export interface ObjectRequest {
  readonly bucket: string;
  /** The key exactly as sent: S3 keys are opaque, `.` and `..` segments included. */
  readonly key: string;
  readonly kind: ObjectRequestKind;
}

function decodeSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** The object a path-style S3 request addresses, or undefined for bucket and service requests. */
export function objectRequestOf(
  method: string,
  url: string,
  headers: Record<string, unknown>,
): ObjectRequest | undefined {
  const [path = '', query = ''] = url.split('?');
  const slash = path.indexOf('/', 1);
  if (slash < 0 || slash === path.length - 1) return undefined;
  const bucket = decodeSegment(path.slice(1, slash));
  const key = decodeSegment(path.slice(slash + 1));
  if (bucket === undefined || key === undefined) return undefined;
  const params = new URLSearchParams(query);
  const kind = kindOf(method, params, headers);
  return { bucket, key, kind };
}

function kindOf(
  method: string,
  params: URLSearchParams,
  headers: Record<string, unknown>,
): ObjectRequestKind {
  if (method === 'PUT' && !params.has('partNumber') && !params.has('uploadId'))
    return headers['x-amz-copy-source'] ? 'copy' : 'put';
  if (method === 'POST' && params.has('uploadId')) return 'complete-multipart';
  if (method === 'DELETE' && !params.has('uploadId')) return 'delete';
  if (method === 'GET' || method === 'HEAD') return 'read';
  return 'other-object';
}

export const isWrite = (kind: ObjectRequestKind): boolean =>
  kind === 'put' || kind === 'copy' || kind === 'complete-multipart' || kind === 'delete';

/** Mutual exclusion per key; waiters are served in arrival order. */
export class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Resolves with the release function once every earlier holder of `key` released it. */
  async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => held);
    this.tails.set(key, tail);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}

export interface S3ErrorReply {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

const header = (headers: Record<string, unknown>, name: string): string | undefined => {
  const value = headers[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
};

/** ETags compare without their quotes: AWS accepts `If-Match: abc` and `If-Match: "abc"`. */
export const sameEtag = (a: string, b: string): boolean =>
  a.replace(/"/g, '') === b.replace(/"/g, '');

/**
 * S3's conditional writes (PutObject and CompleteMultipartUpload, since 2024): `If-None-Match: *`
 * fails with 412 when the key exists; `If-Match: <etag>` fails with 412 when the current ETag
 * differs and with 404 when there is no object.
 * @param current the key's current ETag, undefined when no object exists.
 */
export function writePreconditionFailure(
  headers: Record<string, unknown>,
  current: string | undefined,
): S3ErrorReply | undefined {
  const ifNoneMatch = header(headers, 'if-none-match');
  const ifMatch = header(headers, 'if-match');
  if (ifNoneMatch !== undefined && ifNoneMatch !== '*')
    return {
      status: 501,
      code: 'NotImplemented',
      message: 'If-None-Match on a write only supports the value *',
    };
  if (ifNoneMatch === '*' && current !== undefined) return preconditionFailed();
  if (ifMatch === undefined) return undefined;
  if (current === undefined)
    return { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.' };
  if (ifMatch !== '*' && !sameEtag(ifMatch, current)) return preconditionFailed();
  return undefined;
}

const preconditionFailed = (): S3ErrorReply => ({
  status: 412,
  code: 'PreconditionFailed',
  message: 'At least one of the pre-conditions you specified did not hold',
});

/**
 * fauxqs compares a read's `If-Match` / `If-None-Match` with the quoted ETag verbatim; S3 also
 * accepts it unquoted (as in event messages) and `*`. Rewrite them so fauxqs agrees with S3.
 */
export function normaliseReadConditions(
  headers: Record<string, string | string[] | undefined>,
): void {
  for (const name of ['if-match', 'if-none-match'] as const) {
    const value = headers[name];
    if (typeof value !== 'string') continue;
    const trimmed = value.trim();
    // `If-Match: *` holds for any existing object; a missing one is answered 404 anyway.
    if (trimmed === '*' && name === 'if-match') delete headers['if-match'];
    else if (trimmed !== '*' && !trimmed.startsWith('"')) headers[name] = `"${trimmed}"`;
  }
}
