/**
 * Bucket CORS as S3 applies it, which fauxqs lacks: `PUT|GET|DELETE /<bucket>?cors` store the
 * rules; a browser's preflight (`OPTIONS` with Origin and Access-Control-Request-Method) is
 * answered from the first rule that allows its origin, method and headers, else 403; actual
 * requests from an allowed origin get Access-Control-Allow-Origin and the exposed headers. So a
 * web page can upload straight to the bucket locally exactly where the stack's CORS lets it.
 * (docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html, "How does Amazon S3 evaluate…")
 *
 * Contract: an onRequest hook ahead of IAM (preflights carry no credentials, as in S3), a
 * preHandler for the `?cors` subresource (after IAM judged it) and a synchronous onSend.
 */
import type { FastifyInstance } from 'fastify';
import { XMLParser } from 'fast-xml-parser';
import { s3ErrorXml } from '../s3-errors.ts';
import { element } from './xml-text.ts';

export interface CorsRule {
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly string[];
  readonly allowedHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAgeSeconds?: number;
}

const list = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];
const parser = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'CORSRule' });

export function parseCorsXml(xml: string): CorsRule[] {
  const doc: unknown = parser.parse(xml);
  const config =
    typeof doc === 'object' && doc !== null && 'CORSConfiguration' in doc
      ? doc.CORSConfiguration
      : undefined;
  const rules =
    typeof config === 'object' &&
    config !== null &&
    'CORSRule' in config &&
    Array.isArray(config.CORSRule)
      ? config.CORSRule
      : [];
  return rules.map((r: Record<string, unknown>) => ({
    allowedOrigins: list(r['AllowedOrigin']),
    allowedMethods: list(r['AllowedMethod']),
    allowedHeaders: list(r['AllowedHeader']).map((h) => h.toLowerCase()),
    exposeHeaders: list(r['ExposeHeader']),
    ...(r['MaxAgeSeconds'] !== undefined ? { maxAgeSeconds: Number(r['MaxAgeSeconds']) } : {}),
  }));
}

const wildcard = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  ).test(value);

/** The first rule allowing this origin, method and request headers (S3 evaluates rules in order). */
export function matchingRule(
  rules: readonly CorsRule[],
  origin: string,
  method: string,
  headers: readonly string[],
): CorsRule | undefined {
  return rules.find(
    (r) =>
      r.allowedOrigins.some((o) => wildcard(o, origin)) &&
      r.allowedMethods.includes(method.toUpperCase()) &&
      headers.every((h) => r.allowedHeaders.some((a) => wildcard(a, h.toLowerCase()))),
  );
}

const corsXml = (rules: readonly CorsRule[]) =>
  `<?xml version="1.0" encoding="UTF-8"?><CORSConfiguration>${rules
    .map(
      (r) =>
        `<CORSRule>${[...r.allowedOrigins.map((v) => element('AllowedOrigin', v)), ...r.allowedMethods.map((v) => element('AllowedMethod', v)), ...r.allowedHeaders.map((v) => element('AllowedHeader', v)), ...r.exposeHeaders.map((v) => element('ExposeHeader', v)), element('MaxAgeSeconds', r.maxAgeSeconds)].join('')}</CORSRule>`,
    )
    .join('')}</CORSConfiguration>`;

const bucketOf = (url: string) => decodeURIComponent((url.split('?')[0] ?? '').split('/')[1] ?? '');

export function installCors(app: FastifyInstance): void {
  const configs = new Map<string, CorsRule[]>();
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    const method = request.headers['access-control-request-method'];
    if (request.method !== 'OPTIONS' || !origin || typeof method !== 'string') return undefined;
    const headers = String(request.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    const rule = matchingRule(configs.get(bucketOf(request.url)) ?? [], origin, method, headers);
    if (!rule)
      return reply
        .code(403)
        .header('content-type', 'application/xml')
        .send(
          s3ErrorXml(
            'AccessForbidden',
            "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
          ),
        );
    reply
      .header('access-control-allow-origin', origin)
      .header('access-control-allow-methods', rule.allowedMethods.join(', '))
      .header('vary', 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
    if (headers.length) reply.header('access-control-allow-headers', headers.join(', '));
    if (rule.exposeHeaders.length)
      reply.header('access-control-expose-headers', rule.exposeHeaders.join(', '));
    if (rule.maxAgeSeconds !== undefined)
      reply.header('access-control-max-age', String(rule.maxAgeSeconds));
    return reply.code(200).send();
  });
  app.addHook('preHandler', async (request, reply) => {
    const [path = '', query = ''] = request.url.split('?');
    if (!new URLSearchParams(query).has('cors') || path.replace(/^\/|\/$/g, '').includes('/'))
      return undefined;
    const bucket = bucketOf(request.url);
    if (request.method === 'PUT') {
      configs.set(
        bucket,
        parseCorsXml(
          Buffer.isBuffer(request.body)
            ? request.body.toString('utf8')
            : String(request.body ?? ''),
        ),
      );
      return reply.code(200).send('');
    }
    if (request.method === 'DELETE') {
      configs.delete(bucket);
      return reply.code(204).send();
    }
    const rules = configs.get(bucket);
    if (!rules)
      return reply
        .code(404)
        .header('content-type', 'application/xml')
        .send(s3ErrorXml('NoSuchCORSConfiguration', 'The CORS configuration does not exist'));
    return reply.code(200).header('content-type', 'application/xml').send(corsXml(rules));
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const origin = request.headers.origin;
    const rule = origin
      ? matchingRule(configs.get(bucketOf(request.url)) ?? [], origin, request.method, [])
      : undefined;
    if (origin && rule) {
      reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
      if (rule.exposeHeaders.length)
        reply.header('access-control-expose-headers', rule.exposeHeaders.join(', '));
    }
    done(null, payload);
  });
}
