/** Broken XML bodies answered as S3 does, end to end through the real SDK. */
import { CreateBucketCommand, DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../testing/emulator-kit.ts';

const { aws, withBody } = useEmulator();

describe('S3 request bodies', () => {
  it('answers a DeleteObjects body that is not a <Delete> document with 400 MalformedXML, not 500', async () => {
    await aws().s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const deleting = withBody('<Nope/>', () =>
      aws().s3.send(
        new DeleteObjectsCommand({ Bucket: 'photos', Delete: { Objects: [{ Key: 'a' }] } }),
      ),
    );
    await expect(deleting).rejects.toMatchObject({
      name: 'MalformedXML',
      $metadata: { httpStatusCode: 400 },
    });
  });
});
