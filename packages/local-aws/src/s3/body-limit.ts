/**
 * Request bodies up to S3's own limit for one PutObject (5 GiB), so the emulator never refuses a
 * photo a worker would accept (image-ops caps inputs far lower) nor a large result. fauxqs's
 * default, 11 MiB, refused ordinary 24 MP camera files.
 *
 * Contract: replaces fauxqs's catch-all content-type parser with the same one at this limit.
 */
import type { FastifyInstance } from 'fastify';

export const MAX_REQUEST_BYTES = 5 * 1024 ** 3;

export function installBodyLimit(app: FastifyInstance): void {
  app.removeContentTypeParser('*');
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: MAX_REQUEST_BYTES },
    (_request, body, done) => done(null, body),
  );
}
