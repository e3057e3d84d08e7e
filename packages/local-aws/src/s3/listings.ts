/**
 * Bucket listings (ListObjects, ListObjectsV2) as S3 writes them, where fauxqs differs:
 *
 * - common prefixes in UTF-8 byte order, as S3 orders every listing: fauxqs sorted them by
 *   UTF-16 code units, so `a😀/` came before `a～/` while the keys beside them were in byte order;
 * - `encoding-type=url`, which fauxqs ignored: S3 then URL-encodes every key and prefix (so keys
 *   with characters XML 1.0 cannot carry survive) and says so in `<EncodingType>`; boto3 and the
 *   AWS CLI always ask for it and decode what they get. S3's form encoding (space as `+`), the
 *   same as in event notifications.
 *
 * Contract: a synchronous Fastify onSend over successful bucket listings; it reorders
 * `<CommonPrefixes>` and, when asked, rewrites only the text of Key, Prefix, Delimiter,
 * StartAfter, Marker and NextMarker.
 */
import { encodeEventKey } from '@darkroom/pipeline-spec';
import type { FastifyInstance } from 'fastify';
import { escapeXml, unescapeXml } from './xml-text.ts';

const ENCODED = /<(Key|Prefix|Delimiter|StartAfter|Marker|NextMarker)>([^<]*)<\/\1>/g;
const COMMON_PREFIX = /<CommonPrefixes>\s*<Prefix>([^<]*)<\/Prefix>\s*<\/CommonPrefixes>/g;

const byUtf8 = (a: string, b: string) =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** The listing with its common prefixes in UTF-8 byte order (each stays where the group was). */
export function utf8OrderedPrefixes(xml: string): string {
  const prefixes = [...xml.matchAll(COMMON_PREFIX)].map((m) => m[0]);
  if (prefixes.length < 2) return xml;
  const sorted = [...prefixes].sort((a, b) =>
    byUtf8(
      unescapeXml(a.replace(COMMON_PREFIX, '$1')),
      unescapeXml(b.replace(COMMON_PREFIX, '$1')),
    ),
  );
  let n = 0;
  return xml.replace(COMMON_PREFIX, () => sorted[n++] ?? '');
}

export function urlEncodedListing(xml: string): string {
  const encoded = xml.replace(
    ENCODED,
    (_all, name: string, text: string) =>
      `<${name}>${escapeXml(encodeEventKey(unescapeXml(text)))}</${name}>`,
  );
  return encoded.includes('<EncodingType>')
    ? encoded
    : encoded.replace(/(<\/Name>)/, '$1<EncodingType>url</EncodingType>');
}

const isBucketPath = (path: string) => {
  const bucket = path.replace(/^\/|\/$/g, '');
  return bucket !== '' && !bucket.includes('/');
};

export function installListings(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    const [path = '', query = ''] = request.url.split('?');
    const listing =
      request.method === 'GET' &&
      isBucketPath(path) &&
      reply.statusCode === 200 &&
      typeof payload === 'string' &&
      payload.includes('<ListBucketResult');
    if (!listing) return done(null, payload);
    const ordered = utf8OrderedPrefixes(payload);
    reply.removeHeader('content-length');
    done(
      null,
      new URLSearchParams(query).get('encoding-type') === 'url'
        ? urlEncodedListing(ordered)
        : ordered,
    );
  });
}
