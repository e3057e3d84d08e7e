import { describe, expect, it } from 'vitest';
import { frontDeskEnvironment } from './config.ts';

describe('the front desk configuration', () => {
  it('reads its bucket, region, queues and port from the environment the Deployment sets', () => {
    const env = frontDeskEnvironment({
      DARKROOM_BUCKET: 'darkroom-dev-photos',
      AWS_REGION: 'eu-west-1',
      DARKROOM_RESULTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/darkroom-dev-results',
      DARKROOM_DLQ_URLS:
        '{"thumbnail":"https://sqs.eu-west-1.amazonaws.com/1/darkroom-dev-thumbnail-dlq"}',
    });
    expect(env).toMatchObject({
      DARKROOM_BUCKET: 'darkroom-dev-photos',
      DARKROOM_FRONT_DESK_PORT: 8080,
      DARKROOM_DLQ_URLS: { thumbnail: expect.stringContaining('thumbnail-dlq') },
    });
  });

  it('refuses to start without a bucket, or with DLQs that are not a JSON map, naming each variable', () => {
    expect(() =>
      frontDeskEnvironment({ AWS_REGION: 'eu-west-1', DARKROOM_DLQ_URLS: '[1]' }),
    ).toThrow(/DARKROOM_BUCKET[\s\S]*DARKROOM_DLQ_URLS: a JSON object/);
  });
});
