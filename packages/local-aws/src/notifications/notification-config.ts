/**
 * S3 bucket notification configuration (queue destinations only): the XML S3 speaks, parsed to
 * a small model, matched against object events the way S3 matches them.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

export interface QueueNotification {
  readonly id: string;
  readonly queueArn: string;
  /** e.g. `s3:ObjectCreated:*`, `s3:ObjectCreated:Put`, `s3:ObjectRemoved:*`. */
  readonly events: readonly string[];
  readonly prefix: string;
  readonly suffix: string;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) =>
    [
      'QueueConfiguration',
      'Event',
      'FilterRule',
      'TopicConfiguration',
      'CloudFunctionConfiguration',
    ].includes(name),
});
const builder = new XMLBuilder({ format: false });

interface XmlFilterRule {
  Name?: string;
  Value?: string;
}
interface XmlQueueConfiguration {
  Id?: string;
  Queue?: string;
  Event?: string[];
  Filter?: { S3Key?: { FilterRule?: XmlFilterRule[] } };
}

/** Thrown for configurations this emulator will not pretend to honour. */
export class NotificationConfigError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'NotificationConfigError';
    this.code = code;
  }
}

/**
 * Parse a PutBucketNotificationConfiguration body.
 * @throws {NotificationConfigError} for SNS/Lambda destinations or a queue configuration without a queue or event.
 */
export function parseNotificationXml(xml: string): QueueNotification[] {
  const doc = parser.parse(xml) as {
    NotificationConfiguration?: {
      QueueConfiguration?: XmlQueueConfiguration[];
      TopicConfiguration?: unknown[];
      CloudFunctionConfiguration?: unknown[];
    };
  };
  // A document without this root is not "no notifications": S3 answers MalformedXML.
  if (!('NotificationConfiguration' in doc))
    throw new NotificationConfigError(
      'MalformedXML',
      'expected a <NotificationConfiguration> document',
    );
  const root = doc.NotificationConfiguration || {};
  if (
    (root.TopicConfiguration?.length ?? 0) > 0 ||
    (root.CloudFunctionConfiguration?.length ?? 0) > 0
  ) {
    throw new NotificationConfigError(
      'NotImplemented',
      'Only QueueConfiguration (SQS) destinations are emulated',
    );
  }
  return (root.QueueConfiguration ?? []).map((q, index) => {
    if (!q.Queue || !q.Event?.length) {
      throw new NotificationConfigError(
        'InvalidArgument',
        `QueueConfiguration ${index + 1} needs a Queue ARN and at least one Event`,
      );
    }
    const rules = q.Filter?.S3Key?.FilterRule ?? [];
    const rule = (name: string) => rules.find((r) => r.Name?.toLowerCase() === name)?.Value ?? '';
    return {
      id: q.Id ?? `notification-${index + 1}`,
      queueArn: q.Queue,
      events: q.Event,
      prefix: rule('prefix'),
      suffix: rule('suffix'),
    };
  });
}

/** Serialise a configuration for GetBucketNotificationConfiguration. */
export function notificationXml(configs: readonly QueueNotification[]): string {
  const body = builder.build({
    NotificationConfiguration: {
      QueueConfiguration: configs.map((c) => ({
        Id: c.id,
        Queue: c.queueArn,
        Event: c.events,
        ...(c.prefix || c.suffix
          ? {
              Filter: {
                S3Key: {
                  FilterRule: [
                    ...(c.prefix ? [{ Name: 'prefix', Value: c.prefix }] : []),
                    ...(c.suffix ? [{ Name: 'suffix', Value: c.suffix }] : []),
                  ],
                },
              },
            }
          : {}),
      })),
    },
  }) as string;
  return `<?xml version="1.0" encoding="UTF-8"?>${body.replace('<NotificationConfiguration>', '<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">')}`;
}

/** Does `eventName` (e.g. `ObjectCreated:Put`) on `key` match the configuration? */
export function matches(config: QueueNotification, eventName: string, key: string): boolean {
  const [category] = eventName.split(':');
  const eventMatches = config.events.some(
    (e) => e === `s3:${eventName}` || e === `s3:${category}:*`,
  );
  return eventMatches && key.startsWith(config.prefix) && key.endsWith(config.suffix);
}
