/**
 * Presigned URLs expire as S3's do: `X-Amz-Date` + `X-Amz-Expires` seconds, at most a week.
 * fauxqs ignored both, so a link handed to a client worked for ever. S3's answers: 403
 * `AccessDenied` "Request has expired" (with `X-Amz-Expires`, `Expires`, `ServerTime`), 400
 * `AuthorizationQueryParametersError` for an expiry that is not a number of seconds up to 604800.
 * (docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html)
 *
 * Contract: a Fastify onRequest hook ahead of IAM; it answers only query-signed requests whose
 * expiry is malformed or past, and never reads a body.
 */
import type { FastifyInstance } from 'fastify';
import { s3ErrorXml } from '../s3-errors.ts';

export const MAX_PRESIGNED_SECONDS = 604_800;

export interface PresignedProblem {
  readonly status: 400 | 403;
  readonly code: 'AccessDenied' | 'AuthorizationQueryParametersError';
  readonly message: string;
  readonly details: Readonly<Record<string, string>>;
}

/** `20261203T130500Z` → its time, or undefined when it is not one. */
function amzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  return Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0);
}

const queryError = (message: string): PresignedProblem => ({
  status: 400,
  code: 'AuthorizationQueryParametersError',
  message,
  details: {},
});

/** What S3 answers for this query string at `now`, or undefined when it is not presigned or still valid. */
export function presignedProblem(
  query: URLSearchParams,
  now: number,
): PresignedProblem | undefined {
  if (query.get('X-Amz-Algorithm') === null) return undefined;
  const expires = query.get('X-Amz-Expires');
  const signedAt = amzDate(query.get('X-Amz-Date') ?? '');
  if (expires === null || !/^\d+$/.test(expires))
    return queryError('X-Amz-Expires should be a number');
  if (Number(expires) > MAX_PRESIGNED_SECONDS)
    return queryError(
      `X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_SECONDS}`,
    );
  if (signedAt === undefined)
    return queryError("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  const end = signedAt + Number(expires) * 1000;
  if (now <= end) return undefined;
  return {
    status: 403,
    code: 'AccessDenied',
    message: 'Request has expired',
    details: {
      'X-Amz-Expires': expires,
      Expires: new Date(end).toISOString(),
      ServerTime: new Date(now).toISOString(),
    },
  };
}

export function installPresignedExpiry(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const query = request.url.split('?')[1];
    if (!query) return undefined;
    const problem = presignedProblem(new URLSearchParams(query), Date.now());
    if (!problem) return undefined;
    return reply
      .code(problem.status)
      .header('content-type', 'application/xml')
      .send(s3ErrorXml(problem.code, problem.message, problem.details));
  });
}
