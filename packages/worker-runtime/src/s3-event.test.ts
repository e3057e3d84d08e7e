import { describe, expect, it } from 'vitest';
import { decodeEventKey } from '@darkroom/pipeline-spec';
import { PermanentMessageError, parseS3EventMessage } from './index.ts';
import { S3_TEST_EVENT_BODY, s3EventBody } from '@darkroom/local-aws/testing';

describe('S3 event parsing', () => {
  it('decodes keys as S3 encodes them: + is a space, %2B a plus, unicode percent-encoded', () => {
    expect(decodeEventKey('input/grayscale/my+photo%2B1+%C3%A9t%C3%A9.jpg')).toBe(
      'input/grayscale/my photo+1 été.jpg',
    );
  });

  it('returns every record of a multi-record message', () => {
    const body = s3EventBody('photos', [
      { key: 'input/thumbnail/a b.jpg', size: 10, eTag: '"abc"' },
      { key: 'input/thumbnail/c+d.jpg', size: 20, eTag: 'def' },
    ]);
    const parsed = parseS3EventMessage(body);
    expect(parsed).toMatchObject({
      kind: 'records',
      records: [
        {
          eventName: 'ObjectCreated:Put',
          bucket: 'photos',
          key: 'input/thumbnail/a b.jpg',
          size: 10,
          eTag: 'abc',
        },
        {
          eventName: 'ObjectCreated:Put',
          bucket: 'photos',
          key: 'input/thumbnail/c+d.jpg',
          size: 20,
          eTag: 'def',
        },
      ],
    });
    const [first, second] = parsed.kind === 'records' ? parsed.records : [];
    expect(first?.sequencer && second?.sequencer && first.sequencer < second.sequencer).toBe(true);
    // The raw record is kept whole (eventTime, userIdentity …) for the DLQ copy.
    expect(first?.record).toEqual(JSON.parse(body).Records[0]);
  });

  it('recognises s3:TestEvent', () => {
    expect(parseS3EventMessage(S3_TEST_EVENT_BODY)).toEqual({ kind: 'test' });
  });

  it.each([
    ['not JSON', 'hello', /not JSON/],
    ['JSON of another shape', '{"hello":"world"}', /not an S3 event notification/],
    ['an SNS envelope', '{"Type":"Notification","Message":"{}"}', /not an S3 event notification/],
  ])('rejects %s as a permanent NotS3Event error', (_, body, message) => {
    expect(() => parseS3EventMessage(body)).toThrow(PermanentMessageError);
    expect(() => parseS3EventMessage(body)).toThrow(message);
  });
});
