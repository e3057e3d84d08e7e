/**
 * `GET|PUT /<bucket>?notification`: the bucket's notification configuration, answered before
 * fauxqs's bucket routes (fauxqs has no notifications). A PUT is checked whole (XML, destination
 * queues, the queues' policies) before it replaces the configuration in force.
 *
 * Contract: a Fastify preHandler; it answers every `?notification` request and no other.
 */
import type { FastifyInstance } from 'fastify';
import { NotificationDeniedError } from '../iam/index.ts';
import { s3ErrorXml } from '../s3-errors.ts';
import type { EventDelivery } from './event-delivery.ts';
import {
  NotificationConfigError,
  notificationXml,
  parseNotificationXml,
} from './notification-config.ts';

const codeOf = (error: unknown): string =>
  error instanceof NotificationConfigError || error instanceof NotificationDeniedError
    ? error.code
    : 'MalformedXML';

export function installNotificationRoute(app: FastifyInstance, delivery: EventDelivery): void {
  app.addHook('preHandler', async (request, reply) => {
    const [path = '', query = ''] = request.url.split('?');
    if (!new URLSearchParams(query).has('notification')) return undefined;
    const bucket = decodeURIComponent(path.replace(/^\/|\/$/g, ''));
    const exists = await app.inject({ method: 'HEAD', url: `/${encodeURIComponent(bucket)}` });
    reply.header('content-type', 'application/xml');
    if (exists.statusCode !== 200)
      return reply
        .code(404)
        .send(s3ErrorXml('NoSuchBucket', `The specified bucket does not exist: ${bucket}`));
    if (request.method === 'GET')
      return reply.code(200).send(notificationXml(delivery.configurationOf(bucket) ?? []));
    if (request.method !== 'PUT')
      return reply.code(405).send(s3ErrorXml('MethodNotAllowed', 'Use GET or PUT'));
    try {
      const body = Buffer.isBuffer(request.body)
        ? request.body.toString('utf8')
        : String(request.body ?? '');
      await delivery.configure(bucket, parseNotificationXml(body));
      return reply.code(200).send('');
    } catch (error) {
      return reply
        .code(400)
        .send(s3ErrorXml(codeOf(error), error instanceof Error ? error.message : String(error)));
    }
  });
}
