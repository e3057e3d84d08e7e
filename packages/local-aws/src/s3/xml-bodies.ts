/**
 * S3 requests whose body is an XML document: a body that is not well-formed XML with the
 * expected root element is answered `400 MalformedXML`, as S3 does, before any handler reads it.
 * Without this a non-XML notification configuration was stored as "no notifications" (200), and
 * a broken DeleteObjects body answered 500.
 *
 * Contract: a Fastify preHandler over the emulator's app; it never answers a well-formed request.
 */
import type { FastifyInstance } from 'fastify';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { s3ErrorXml } from '../s3-errors.ts';

/** Subresource (query parameter) and method → the root element S3 expects. */
const XML_BODIES: readonly { query: string; method: string; root: string }[] = [
  { query: 'delete', method: 'POST', root: 'Delete' },
  { query: 'notification', method: 'PUT', root: 'NotificationConfiguration' },
  { query: 'uploadId', method: 'POST', root: 'CompleteMultipartUpload' },
  { query: 'tagging', method: 'PUT', root: 'Tagging' },
  { query: 'versioning', method: 'PUT', root: 'VersioningConfiguration' },
  { query: 'cors', method: 'PUT', root: 'CORSConfiguration' },
  { query: 'lifecycle', method: 'PUT', root: 'LifecycleConfiguration' },
];

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false });

/** The S3 error for this request's body, or undefined when it is not an XML-body request or is well formed. */
export function malformedXmlBody(
  method: string,
  url: string,
  body: string,
): { code: 'MalformedXML'; message: string } | undefined {
  const [path = '', query = ''] = url.split('?');
  if (path === '/' || path === '') return undefined; // SQS, and ListBuckets
  const params = new URLSearchParams(query);
  const expected = XML_BODIES.find((b) => b.method === method && params.has(b.query));
  if (!expected) return undefined;
  const malformed = {
    code: 'MalformedXML' as const,
    message: `The XML you provided was not well-formed or did not validate against our published schema: expected a <${expected.root}> document`,
  };
  if (body.trim() === '' || XMLValidator.validate(body) !== true) return malformed;
  const doc = parser.parse(body) as Record<string, unknown>;
  const roots = Object.keys(doc).filter((k) => k !== '?xml');
  return roots.length === 1 && roots[0] === expected.root ? undefined : malformed;
}

export function installXmlBodyChecks(app: FastifyInstance): void {
  app.addHook('preHandler', async (request, reply) => {
    const body = Buffer.isBuffer(request.body)
      ? request.body.toString('utf8')
      : String(request.body ?? '');
    const problem = malformedXmlBody(request.method, request.url, body);
    if (!problem) return undefined;
    return reply
      .code(400)
      .header('content-type', 'application/xml')
      .send(s3ErrorXml(problem.code, problem.message));
  });
}
