/**
 * `GetQueueAttributes` counts a message whose visibility timeout has passed as visible, as SQS
 * does. fauxqs moves expired in-flight messages back only when someone receives, so with no
 * worker polling (the runner stopped, a DLQ nobody reads) `darkroom status` showed them "in
 * flight" for ever. Its public inspection route gives each in-flight message's deadline; the
 * counts in the answer are corrected from it.
 *
 * Contract: a Fastify preHandler + onSend over the emulator's app; it changes only the two
 * counts of a `GetQueueAttributes` answer, and only by the messages whose deadline has passed.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';

const VISIBLE = 'ApproximateNumberOfMessages';
const NOT_VISIBLE = 'ApproximateNumberOfMessagesNotVisible';

const inspection = z.object({
  messages: z.object({ inflight: z.array(z.object({ visibilityDeadline: z.number() })) }),
});
const answer = z.object({ Attributes: z.record(z.string(), z.string()) }).passthrough();
const request = z.object({ QueueUrl: z.string() });

/** The answer with `expired` in-flight messages counted as visible. */
export function withExpiredCountedVisible(
  attributes: Readonly<Record<string, string>>,
  expired: number,
): Record<string, string> {
  const corrected = { ...attributes };
  if (corrected[NOT_VISIBLE] !== undefined)
    corrected[NOT_VISIBLE] = String(Math.max(0, Number(corrected[NOT_VISIBLE]) - expired));
  if (corrected[VISIBLE] !== undefined)
    corrected[VISIBLE] = String(Number(corrected[VISIBLE]) + expired);
  return corrected;
}

export function installVisibilityExpiry(app: FastifyInstance): void {
  const expiredBy = new WeakMap<FastifyRequest, number>();

  app.addHook('preHandler', async (req) => {
    if (req.headers['x-amz-target'] !== 'AmazonSQS.GetQueueAttributes') return;
    const parsed = request.safeParse(req.body);
    if (!parsed.success) return;
    const name = parsed.data.QueueUrl.slice(parsed.data.QueueUrl.lastIndexOf('/') + 1);
    const inspected = await app.inject({ method: 'GET', url: `/_fauxqs/queues/${name}` });
    const queue = inspection.safeParse(inspected.json());
    if (!queue.success) return;
    const now = Date.now();
    const expired = queue.data.messages.inflight.filter((m) => m.visibilityDeadline <= now);
    if (expired.length > 0) expiredBy.set(req, expired.length);
  });

  // Synchronous, as the emulator's other onSend hooks (fauxqs's handlers are async).
  app.addHook('onSend', (req, reply, payload, done) => {
    const expired = expiredBy.get(req);
    if (!expired || reply.statusCode !== 200 || typeof payload !== 'string')
      return done(null, payload);
    const parsed = answer.safeParse(JSON.parse(payload));
    if (!parsed.success) return done(null, payload);
    const Attributes = withExpiredCountedVisible(parsed.data.Attributes, expired);
    reply.removeHeader('content-length');
    done(null, JSON.stringify({ ...parsed.data, Attributes }));
  });
}
