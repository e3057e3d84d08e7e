/** AWS SDK v3 clients for a worker, pointed at AWS or at an emulator endpoint. */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { HttpRequest } from '@smithy/core/protocols';
import type { FinalizeRequestMiddleware, Pluggable } from '@smithy/types';
import type { WorkerConfig } from './config.ts';

export interface AwsClients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
}

/**
 * Credentials come from the SDK's default chain (IRSA/Pod Identity in EKS, the environment
 * locally); none are ever read from our own config. An emulator endpoint implies path-style S3.
 */
export function createAwsClients(config: Pick<WorkerConfig, 'region' | 'endpoint'>): AwsClients {
  const endpoint = config.endpoint ? { endpoint: config.endpoint } : {};
  const s3 = new S3Client({
    region: config.region,
    ...endpoint,
    forcePathStyle: Boolean(config.endpoint),
    maxAttempts: 3,
    // Sources are not re-checksummed on download. S3 gives objects uploaded without a checksum
    // its default CRC64NVME, which the SDK validates in JavaScript: 2.8 ms of the worker's main
    // thread per MB, +4.5 ms on a 1.6 MB source (6 % of a thumbnail), where CRC32 costs 0.3 ms.
    // Every request goes over TLS (the bucket policy refuses plain HTTP), whose AEAD already
    // authenticates each byte in transit, and S3 checks its own copies at rest. Uploads keep
    // their CRC32 (requestChecksumCalculation stays WHEN_SUPPORTED): S3 verifies it on write.
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const sqs = new SQSClient({ region: config.region, ...endpoint, maxAttempts: 3 });
  // The SDK's logger middleware walks every input and output through its redaction schema even
  // with no logger configured (the arguments are built before the no-op call): about a tenth
  // of the worker's per-photo overhead in a CPU profile. The worker logs its own calls.
  for (const client of [s3, sqs]) client.middlewareStack.remove(SDK_LOGGER_MIDDLEWARE);
  s3.middlewareStack.use(unsignedChecksummedPayload());
  return { s3, sqs };
}

/** Name of the AWS SDK v3 middleware that logs each call's (redacted) input and output. */
export const SDK_LOGGER_MIDDLEWARE = 'loggerMiddleware';

const CHECKSUM_HEADER = /^x-amz-checksum-(?!mode$|type$)/i;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Sign an upload's headers but not its body when the body already carries a checksum and
 * travels over TLS (or never leaves the machine): the rule botocore applies to S3
 * (`S3SigV4Auth._should_sha256_sign_payload`). Without it the SDK hashes every result with
 * SHA-256 for the signature (0.6 ms of CPU per MB here) on top of the CRC32 that S3 already
 * checks; TLS guards the body in transit, the CRC32 guards it end to end.
 */
export function unsignedChecksummedPayloadMiddleware<
  Input extends object,
  Output extends object,
>(): FinalizeRequestMiddleware<Input, Output> {
  return (next) => (args) => {
    const request = args.request;
    if (HttpRequest.isInstance(request) && request.body !== undefined) {
      const inTransitSafe = request.protocol === 'https:' || LOOPBACK_HOSTS.has(request.hostname);
      const checksummed = Object.keys(request.headers).some((h) => CHECKSUM_HEADER.test(h));
      if (inTransitSafe && checksummed) request.headers[PAYLOAD_HASH_HEADER] = UNSIGNED_PAYLOAD;
    }
    return next(args);
  };
}

const PAYLOAD_HASH_HEADER = 'x-amz-content-sha256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

function unsignedChecksummedPayload<Input extends object, Output extends object>(): Pluggable<
  Input,
  Output
> {
  return {
    applyToStack(stack) {
      stack.addRelativeTo(unsignedChecksummedPayloadMiddleware<Input, Output>(), {
        name: 'darkroomUnsignedChecksummedPayload',
        relation: 'before',
        toMiddleware: 'httpSigningMiddleware',
      });
    },
  };
}
