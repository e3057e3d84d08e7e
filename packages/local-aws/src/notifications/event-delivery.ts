/**
 * S3 → SQS event delivery: the notification configuration of each bucket, the queue URL of each
 * destination ARN, and every delivery in flight (so tests and the runner can wait for them).
 *
 * Contract: `deliver` sends one message per matching configuration, after the bucket's right to
 * send to that queue is checked as AWS checks it; a failure is recorded, never thrown at the
 * writer whose request already succeeded.
 */
import { randomBytes } from 'node:crypto';
import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { type AccessControl, assertNotificationAllowed } from '../iam/index.ts';
import type { SelfClients } from '../self-clients.ts';
import { objectEventBody, testEventBody } from './event-message.ts';
import { NotificationConfigError, type QueueNotification, matches } from './notification-config.ts';

/** One object write or delete: what its event message says. */
export interface ObjectWrite {
  readonly bucket: string;
  readonly key: string;
  readonly eventName: string;
  readonly size?: number;
  readonly eTag?: string;
  readonly sequencer: string;
}

export class EventDelivery {
  readonly deliveryErrors: Error[] = [];
  readonly #configs = new Map<string, QueueNotification[]>();
  readonly #queueUrls = new Map<string, string>();
  readonly #pending = new Set<Promise<void>>();

  readonly #self: SelfClients;
  readonly #access: AccessControl;
  readonly #region: string;

  constructor(self: SelfClients, access: AccessControl, region: string) {
    this.#self = self;
    this.#access = access;
    this.#region = region;
  }

  configurationOf(bucket: string): readonly QueueNotification[] | undefined {
    return this.#configs.get(bucket);
  }

  /** Check every destination exists and may be sent to, then store and send each a test event. */
  async configure(bucket: string, configs: QueueNotification[]): Promise<void> {
    await Promise.all(configs.map((c) => this.queueUrlOf(c.queueArn)));
    await Promise.all(
      configs.map((c) => assertNotificationAllowed(this.#access, bucket, c.queueArn)),
    );
    this.#configs.set(bucket, configs);
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    for (const arn of new Set(configs.map((c) => c.queueArn)))
      this.track(this.send(arn, testEventBody(bucket, requestId)));
  }

  async queueUrlOf(arn: string): Promise<string> {
    const cached = this.#queueUrls.get(arn);
    if (cached) return cached;
    const [, , service, , , name] = arn.split(':');
    if (service !== 'sqs' || !name)
      throw new NotificationConfigError('InvalidArgument', `Not an SQS queue ARN: ${arn}`);
    const found = await this.#self.sqs
      .send(new GetQueueUrlCommand({ QueueName: name }))
      .catch(() => undefined);
    if (!found?.QueueUrl)
      throw new NotificationConfigError(
        'InvalidArgument',
        `Unable to validate the following destination configurations: ${arn}`,
      );
    this.#queueUrls.set(arn, found.QueueUrl);
    return found.QueueUrl;
  }

  deliver(write: ObjectWrite, requestId: string, sourceIp: string): void {
    const targets = (this.#configs.get(write.bucket) ?? []).filter((c) =>
      matches(c, write.eventName, write.key),
    );
    this.track(
      (async () => {
        for (const target of targets) {
          const body = objectEventBody({
            ...write,
            region: this.#region,
            configurationId: target.id,
            requestId,
            sourceIp,
          });
          await assertNotificationAllowed(this.#access, write.bucket, target.queueArn);
          await this.send(target.queueArn, body);
        }
      })(),
    );
  }

  /**
   * Keep `work` among the deliveries `settled()` waits for; its failure is recorded.
   * @returns a promise that settles with `work` and never rejects.
   */
  track(work: Promise<void>): Promise<void> {
    const tracked: Promise<void> = work
      .catch(
        (error: unknown) =>
          void this.deliveryErrors.push(error instanceof Error ? error : new Error(String(error))),
      )
      .finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
    return tracked;
  }

  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  private async send(arn: string, body: string): Promise<void> {
    await this.#self.sqs.send(
      new SendMessageCommand({ QueueUrl: await this.queueUrlOf(arn), MessageBody: body }),
    );
  }
}
