/**
 * A client's mistake answered as the service answers it, never as a 500 with the emulator's
 * internals: an SQS action that does not exist (`UnknownOperationException`), an SQS JSON body
 * that is not an object (`SerializationException`), an S3 request no IAM action fits
 * (`InvalidRequest`). What AWS answers is from its API references' common errors.
 */
import type { ErrorResponse } from './responses.ts';
import type { Service } from './request-map.ts';

export type ClientMistake = 'UnknownOperation' | 'Serialization' | 'InvalidRequest';

const SQS_TYPES: Record<ClientMistake, { type: string; query: string }> = {
  UnknownOperation: { type: 'UnknownOperationException', query: 'UnknownOperation' },
  Serialization: { type: 'SerializationException', query: 'SerializationException' },
  InvalidRequest: { type: 'InvalidParameterValue', query: 'InvalidParameterValue' },
};

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function clientErrorResponse(
  service: Service,
  mistake: ClientMistake,
  message: string,
): ErrorResponse {
  if (service === 'sqs') {
    const { type, query } = SQS_TYPES[mistake];
    return {
      status: 400,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-query-error': `${query};Sender`,
      },
      body: JSON.stringify({ __type: `com.amazon.coral.service#${type}`, message }),
    };
  }
  return {
    status: 400,
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidRequest</Code><Message>${escapeXml(message)}</Message></Error>`,
  };
}

/** The mistake in an SQS JSON request, judged before it is mapped, or undefined. */
export function sqsJsonMistake(body: unknown): ClientMistake | undefined {
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? undefined
    : 'Serialization';
}
