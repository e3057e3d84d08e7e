/**
 * Request bodies as S3 takes them: up to its limit for one PutObject (5 GiB), so the emulator
 * never refuses a photo a worker would accept (fauxqs's default, 11 MiB, refused ordinary 24 MP
 * camera files); and a PUT with no body at all (`aws s3api put-object --key k`, no
 * Content-Type) is a zero-byte object, where fauxqs answered 500.
 *
 * Contract: replaces fauxqs's catch-all content-type parser with the same one at this limit; a
 * body-less PUT reaches fauxqs with an empty buffer. Nothing else is changed.
 */
import type { FastifyInstance } from 'fastify';

export const MAX_REQUEST_BYTES = 5 * 1024 ** 3;

export function installRequestBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('*');
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: MAX_REQUEST_BYTES },
    (_request, body, done) => done(null, body),
  );
  app.addHook('preValidation', async (request) => {
    if (request.method === 'PUT' && request.body === undefined) request.body = Buffer.alloc(0);
  });
}
