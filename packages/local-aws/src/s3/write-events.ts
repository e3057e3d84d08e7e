/**
 * One write per key at a time, conditional writes judged under that lock, and the event of each
 * successful write read while the key is still locked: the event names its own version (ETag,
 * size) and carries a sequencer that grows in write order per key, as S3 guarantees.
 *
 * Contract: Fastify preHandler + onSend + onResponse over object writes and deletes; a failed
 * write sends no event; the key is unlocked once its event is captured (or at once on failure).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { EventDelivery, ObjectWrite } from '../notifications/event-delivery.ts';
import { s3ErrorXml } from '../s3-errors.ts';
import type { SelfClients } from '../self-clients.ts';
import {
  KeyLocks,
  type ObjectRequest,
  type ObjectRequestKind,
  isWrite,
  normaliseReadConditions,
  objectRequestOf,
  writePreconditionFailure,
} from './object-writes.ts';

const EVENT_NAMES: Partial<Record<ObjectRequestKind, string>> = {
  put: 'ObjectCreated:Put',
  copy: 'ObjectCreated:Copy',
  'complete-multipart': 'ObjectCreated:CompleteMultipartUpload',
  delete: 'ObjectRemoved:Delete',
};

interface HeldWrite {
  readonly target: ObjectRequest;
  readonly release: () => void;
  captured?: Promise<void>;
}

/** Sequencers: monotonic for the emulator's life, hex as S3 writes them. */
function sequencers(): () => string {
  let sequence = BigInt(Date.now()) * 1000n;
  return () => (sequence += 1n).toString(16).toUpperCase().padStart(18, '0');
}

export function installWriteEvents(
  app: FastifyInstance,
  self: SelfClients,
  delivery: EventDelivery,
): void {
  const locks = new KeyLocks();
  const writes = new WeakMap<object, HeldWrite>();
  const nextSequencer = sequencers();

  function finishWrite(request: object): void {
    const write = writes.get(request);
    if (!write) return;
    writes.delete(request);
    void (write.captured ?? Promise.resolve()).then(write.release);
  }

  async function captureWrite(target: ObjectRequest): Promise<ObjectWrite | undefined> {
    const eventName = EVENT_NAMES[target.kind];
    if (!eventName || !delivery.configurationOf(target.bucket)) return undefined;
    const head =
      target.kind === 'delete' ? undefined : await self.headOf(target.bucket, target.key);
    return {
      bucket: target.bucket,
      key: target.key,
      eventName,
      ...(head ?? {}),
      sequencer: nextSequencer(),
    };
  }

  app.addHook('preHandler', async (request, reply) => {
    const target = objectRequestOf(request.method, request.url, request.headers);
    if (!target) return undefined;
    if (target.kind === 'read') return void normaliseReadConditions(request.headers);
    if (!isWrite(target.kind)) return undefined;
    const release = await locks.acquire(`${target.bucket}\n${target.key}`);
    writes.set(request, { target, release });
    reply.raw.once('close', () => finishWrite(request));
    if (target.kind === 'delete' && !request.headers['if-match']) return undefined;
    if (target.kind !== 'put' && target.kind !== 'complete-multipart' && target.kind !== 'delete')
      return undefined;
    if (!request.headers['if-match'] && !request.headers['if-none-match']) return undefined;
    const current = await self.headOf(target.bucket, target.key);
    const failure = writePreconditionFailure(request.headers, current?.eTag);
    if (!failure) return undefined;
    return reply
      .code(failure.status)
      .header('content-type', 'application/xml')
      .send(s3ErrorXml(failure.code, failure.message));
  });

  // Synchronous on purpose: fauxqs's async handlers would send a second reply while an async
  // onSend hook is pending. The event is read after the response; the key stays locked until then.
  app.addHook('onSend', (request, reply, payload, done) => {
    const write = writes.get(request);
    if (write && reply.statusCode >= 200 && reply.statusCode < 300) {
      const requestId = String(
        reply.getHeader('x-amz-request-id') ?? randomBytes(8).toString('hex').toUpperCase(),
      );
      // Tracked, so it never rejects: the key's lock is released after it whatever happens.
      write.captured = delivery.track(
        captureWrite(write.target).then((captured) => {
          if (captured) delivery.deliver(captured, requestId, request.ip);
        }),
      );
    }
    done(null, payload);
  });

  app.addHook('onResponse', async (request) => finishWrite(request));
}
