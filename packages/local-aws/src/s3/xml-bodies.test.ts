import { describe, expect, it } from 'vitest';
import { malformedXmlBody } from './xml-bodies.ts';

describe('S3 XML bodies: what is MalformedXML', () => {
  it.each([
    ['PUT', '/photos?notification', '<NotificationConfiguration/>', undefined],
    [
      'PUT',
      '/photos?notification',
      '<?xml version="1.0"?><NotificationConfiguration></NotificationConfiguration>',
      undefined,
    ],
    ['PUT', '/photos?notification', 'not xml at all', 'MalformedXML'],
    ['PUT', '/photos?notification', '', 'MalformedXML'],
    ['PUT', '/photos?notification', '<Other/>', 'MalformedXML'],
    ['PUT', '/photos?notification', '<NotificationConfiguration>', 'MalformedXML'],
    ['POST', '/photos?delete', '<Delete><Object><Key>a</Key></Object></Delete>', undefined],
    ['POST', '/photos?delete', '{"Objects":[]}', 'MalformedXML'],
    ['POST', '/photos/big.jpg?uploadId=1', '<CompleteMultipartUpload/>', undefined],
    ['POST', '/photos/big.jpg?uploadId=1', 'parts', 'MalformedXML'],
    ['PUT', '/photos/a.jpg', 'jpeg bytes, not XML', undefined], // an object body is not parsed
    ['POST', '/', 'Action=SendMessage', undefined], // SQS
  ] as const)('%s %s %j → %s', (method, url, body, expected) => {
    expect(malformedXmlBody(method, url, body)?.code).toBe(expected);
  });
});
