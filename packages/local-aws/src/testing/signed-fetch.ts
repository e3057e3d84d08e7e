/**
 * A raw S3 request signed with SigV4 (the SDK's own signer) for the emulator's tests: what a
 * client the JS SDK cannot imitate sends (no body and no Content-Type, UTF-8 bytes in a header).
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import { LOCAL_CREDENTIALS, type LocalAws } from '../emulator.ts';

const bytesOf = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data)
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the signer takes. */
class NodeSha256 implements Checksum {
  #hash;
  constructor(secret?: SourceData) {
    this.#hash =
      secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: Uint8Array): void {
    this.#hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {
    // Each signature makes a new hash: nothing to reset.
  }
}

export async function signedFetch(
  aws: LocalAws,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Response> {
  const signer = new SignatureV4({
    service: 's3',
    region: aws.region,
    credentials: { ...LOCAL_CREDENTIALS },
    sha256: NodeSha256,
  });
  const url = new URL(aws.endpoint);
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path,
    headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers },
    ...(body === undefined ? {} : { body }),
  });
  return fetch(`${aws.endpoint}${path}`, {
    method,
    headers: signed.headers,
    ...(body === undefined ? {} : { body }),
  });
}
