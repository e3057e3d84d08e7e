/**
 * The emulator's own SDK clients, for what it asks itself while answering (an object's current
 * ETag, a queue's URL, sending an event). They exist once the server listens; the plugins get
 * this holder before that. Over HTTP, not `app.inject`: inject parses the path as a WHATWG URL,
 * which drops `.`/`..` segments, and keys with them must stay opaque.
 */
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface ClientCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const isNotFound = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  '$metadata' in error &&
  typeof error.$metadata === 'object' &&
  error.$metadata !== null &&
  'httpStatusCode' in error.$metadata &&
  error.$metadata.httpStatusCode === 404;

export class SelfClients {
  #s3: S3Client | undefined;
  #sqs: SQSClient | undefined;

  connect(endpoint: string, region: string, credentials: ClientCredentials): void {
    // Copies: the SDK marks the credentials object it is given ($source).
    this.#s3 = new S3Client({
      region,
      endpoint,
      credentials: { ...credentials },
      forcePathStyle: true,
    });
    this.#sqs = new SQSClient({ region, endpoint, credentials: { ...credentials } });
  }

  get s3(): S3Client {
    if (!this.#s3) throw new Error('the emulator is not listening yet');
    return this.#s3;
  }

  get sqs(): SQSClient {
    if (!this.#sqs) throw new Error('the emulator is not listening yet');
    return this.#sqs;
  }

  /** Current ETag and size of an object, or undefined when there is none. */
  async headOf(bucket: string, key: string): Promise<{ eTag: string; size: number } | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { eTag: head.ETag ?? '', size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  destroy(): void {
    this.#s3?.destroy();
    this.#sqs?.destroy();
  }
}
