/**
 * Denials in each protocol's own error format, so the AWS SDK raises the error it raises in AWS:
 * S3 REST XML (`AccessDenied`, no body for HEAD), SQS JSON with the `x-amzn-query-error` header
 * the SDK v3 SQS client reads its error code from (`AccessDenied`, as with the query protocol),
 * and the query-protocol XML of STS/SNS.
 */
import { randomBytes } from 'node:crypto';
import type { Denial } from './access-control.ts';
import type { Service } from './request-map.ts';

export interface ErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const requestId = () => randomBytes(8).toString('hex').toUpperCase();

/** S3's codes for the three denials (InvalidAccessKeyId is its own code in S3). */
function s3Error(denial: Denial, head: boolean, accessKeyId: string | undefined): ErrorResponse {
  const code = denial.code === 'InvalidAccessKeyId' ? 'InvalidAccessKeyId' : 'AccessDenied';
  const message = denial.code === 'MissingAuthenticationToken' ? 'Access Denied' : denial.message;
  const id = requestId();
  const extra =
    code === 'InvalidAccessKeyId' && accessKeyId
      ? `<AWSAccessKeyId>${escapeXml(accessKeyId)}</AWSAccessKeyId>`
      : '';
  const body = head
    ? ''
    : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${extra}<RequestId>${id}</RequestId><HostId>${id}/local</HostId></Error>`;
  return {
    status: 403,
    headers: {
      'content-type': 'application/xml',
      'x-amz-request-id': id,
      'x-amz-id-2': `${id}/local`,
    },
    body,
  };
}

const SQS_CODES: Readonly<
  Record<Denial['code'], { query: string; type: string; message?: string }>
> = {
  AccessDenied: { query: 'AccessDenied', type: 'AccessDeniedException' },
  InvalidAccessKeyId: {
    query: 'InvalidClientTokenId',
    type: 'UnrecognizedClientException',
    message: 'The security token included in the request is invalid.',
  },
  MissingAuthenticationToken: {
    query: 'MissingAuthenticationToken',
    type: 'MissingAuthenticationTokenException',
  },
};

function sqsError(denial: Denial): ErrorResponse {
  const code = SQS_CODES[denial.code];
  return {
    status: 403,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-query-error': `${code.query};Sender`,
      'x-amzn-requestid': requestId(),
    },
    body: JSON.stringify({
      __type: `com.amazon.coral.service#${code.type}`,
      message: code.message ?? denial.message,
    }),
  };
}

function queryError(denial: Denial): ErrorResponse {
  const code = denial.code === 'InvalidAccessKeyId' ? 'InvalidClientTokenId' : denial.code;
  const id = requestId();
  return {
    status: 403,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(denial.message)}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
  };
}

/** The response AWS gives for `denial` of a request to `service`. */
export function denialResponse(
  service: Service,
  denial: Denial,
  options: { head: boolean; accessKeyId: string | undefined },
): ErrorResponse {
  if (service === 's3') return s3Error(denial, options.head, options.accessKeyId);
  if (service === 'sqs') return sqsError(denial);
  if (service === 'sts' || service === 'sns') return queryError(denial);
  return {
    status: 403,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: denial.code, message: denial.message }),
  };
}
