import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.ts';

const valid = {
  DARKROOM_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/darkroom-dev-thumbnail',
  DARKROOM_DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/darkroom-dev-thumbnail-dlq',
  DARKROOM_BUCKET: 'darkroom-dev-photos',
  AWS_REGION: 'eu-west-1',
};

describe('loadConfig', () => {
  it('fills defaults from the pipeline spec', () => {
    const config = loadConfig(valid, 4);
    expect(config).toMatchObject({
      concurrency: 4,
      batchSize: 10,
      visibilityTimeoutSeconds: 60,
      shutdownGraceSeconds: 20,
      healthPort: 8080,
      logLevel: 'info',
      endpoint: undefined,
    });
  });

  it('names every missing or invalid variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({
        DARKROOM_BUCKET: 'Bad_Bucket',
        DARKROOM_HEALTH_HOST: 'everywhere',
        DARKROOM_CONCURRENCY: 'lots',
        DARKROOM_LOG_LEVEL: 'loud',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['DARKROOM_QUEUE_URL', 'DARKROOM_DLQ_URL', 'AWS_REGION'])
      expect(problems).toMatch(new RegExp(`${name} is required`));
    expect(problems).toMatch('DARKROOM_BUCKET must be an S3 bucket name, received "Bad_Bucket"');
    expect(problems).toMatch(
      'DARKROOM_CONCURRENCY must be an integer from 1 to 64, received "lots"',
    );
    expect(problems).toMatch(/DARKROOM_LOG_LEVEL must be one of fatal, .* received "loud"/);
    expect(problems).toMatch(
      'DARKROOM_HEALTH_HOST must be an IP address such as 0.0.0.0 or 127.0.0.1, received "everywhere"',
    );
  });

  it('refuses a visibility timeout the heartbeat cannot beat (1 s) instead of dying at start', () => {
    expect(() => loadConfig({ ...valid, DARKROOM_VISIBILITY_TIMEOUT_SECONDS: '1' })).toThrow(
      'DARKROOM_VISIBILITY_TIMEOUT_SECONDS must be an integer from 2 to 43200, received "1"',
    );
    expect(
      loadConfig({ ...valid, DARKROOM_VISIBILITY_TIMEOUT_SECONDS: '2' }).visibilityTimeoutSeconds,
    ).toBe(2);
  });
});
