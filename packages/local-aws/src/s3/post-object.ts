/**
 * Browser-style uploads (`POST /<bucket>` with a form: key, policy, SigV4 fields, file), which
 * the emulator refused: the form is read, its signature verified with the signer's secret, its
 * policy judged (post-policy.ts), the signer's own IAM policy asked for s3:PutObject on the key,
 * and the file stored. Answers as S3: 204 (or `success_action_status` 200/201 with a
 * `<PostResponse>`), 403 SignatureDoesNotMatch / AccessDenied, 400 for a malformed form.
 * Known difference: the stored object's event says `ObjectCreated:Put`, where S3 says `:Post`.
 *
 * Contract: a Fastify preHandler answering multipart POSTs to a bucket only.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import busboy from 'busboy';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessControl, Denial } from '../iam/index.ts';
import { denialResponse } from '../iam/responses.ts';
import { s3ErrorXml } from '../s3-errors.ts';
import type { SelfClients } from '../self-clients.ts';
import {
  type PostProblem,
  parsePolicy,
  policyProblem,
  postPolicySignature,
  signatureMatches,
} from './post-policy.ts';
import { element } from './xml-text.ts';

export interface PostForm {
  /** Field names lower-cased, as S3 compares them. */
  readonly fields: Map<string, string>;
  readonly file:
    { readonly name: string; readonly type: string; readonly body: Buffer } | undefined;
}

/** The form's fields and its file (the first file field; S3 ignores fields after it). */
export function readPostForm(headers: FastifyRequest['headers'], body: Buffer): Promise<PostForm> {
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string>();
    let file: PostForm['file'];
    const parser = busboy({ headers, limits: { fields: 100, files: 1 } });
    parser.on(
      'field',
      (name, value) => void (file ? undefined : fields.set(name.toLowerCase(), value)),
    );
    parser.on('file', (_name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on(
        'end',
        () =>
          (file = { name: info.filename ?? '', type: info.mimeType, body: Buffer.concat(chunks) }),
      );
    });
    parser.on('close', () => resolve({ fields, file }));
    parser.on('error', reject);
    parser.end(body);
  });
}

const problemReply = (reply: FastifyReply, p: PostProblem) =>
  reply
    .code(p.status)
    .header('content-type', 'application/xml')
    .send(s3ErrorXml(p.code, p.message));

/** The signature check: the credential's key must exist and have signed this policy. */
function signatureProblem(
  access: AccessControl,
  fields: ReadonlyMap<string, string>,
): PostProblem | undefined {
  const [accessKeyId = '', date = '', region = ''] = (fields.get('x-amz-credential') ?? '').split(
    '/',
  );
  const secret = access.principalOf(accessKeyId)?.secretAccessKey;
  if (
    fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256' ||
    !fields.get('policy') ||
    !fields.get('x-amz-signature')
  )
    return {
      status: 400,
      code: 'InvalidRequest',
      message:
        'A POST upload needs policy, x-amz-algorithm AWS4-HMAC-SHA256, x-amz-credential, x-amz-date and x-amz-signature fields',
    };
  if (!access.enforced) return undefined;
  if (!secret)
    return {
      status: 403,
      code: 'InvalidAccessKeyId',
      message: `The AWS Access Key Id you provided does not exist in our records: ${accessKeyId}`,
    };
  const expected = postPolicySignature(secret, date, region, fields.get('policy') ?? '');
  return signatureMatches(expected, fields.get('x-amz-signature') ?? '')
    ? undefined
    : {
        status: 403,
        code: 'SignatureDoesNotMatch',
        message:
          'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      };
}

async function judge(
  access: AccessControl,
  bucket: string,
  form: PostForm,
): Promise<PostProblem | 'allowed' | { denied: Denial }> {
  const { fields, file } = form;
  const signature = signatureProblem(access, fields);
  if (signature) return signature;
  if (!file)
    return {
      status: 400,
      code: 'InvalidArgument',
      message: 'POST requires exactly one file upload per request.',
    };
  const policy = parsePolicy(fields.get('policy') ?? '');
  if ('status' in policy) return policy;
  const key = (fields.get('key') ?? '').replace('${filename}', file.name);
  const problem = policyProblem(
    policy,
    new Map([...fields, ['bucket', bucket], ['key', key]]),
    file.body.length,
    Date.now(),
  );
  if (problem) return problem;
  const accessKeyId = (fields.get('x-amz-credential') ?? '').split('/')[0];
  const checks = [
    { action: 's3:PutObject', resource: `arn:aws:s3:::${bucket}/${key}`, context: {} },
  ];
  const verdict = await access.authorize(accessKeyId, {
    service: 's3',
    operation: 'PostObject',
    head: false,
    checks,
  });
  return verdict.allowed ? 'allowed' : { denied: verdict.denial };
}

const metadataOf = (fields: ReadonlyMap<string, string>) =>
  Object.fromEntries(
    [...fields]
      .filter(([name]) => name.startsWith('x-amz-meta-'))
      .map(([name, value]) => [name.slice('x-amz-meta-'.length), value]),
  );

function success(
  reply: FastifyReply,
  fields: ReadonlyMap<string, string>,
  where: { bucket: string; key: string; etag: string; location: string },
) {
  const status = Number(fields.get('success_action_status') ?? 204);
  reply.header('etag', where.etag).header('location', where.location);
  if (status === 200) return reply.code(200).send('');
  if (status !== 201) return reply.code(204).send();
  const body = `<?xml version="1.0" encoding="UTF-8"?><PostResponse>${element('Location', where.location)}${element('Bucket', where.bucket)}${element('Key', where.key)}${element('ETag', where.etag)}</PostResponse>`;
  return reply.code(201).header('content-type', 'application/xml').send(body);
}

export function installPostObject(
  app: FastifyInstance,
  access: AccessControl,
  self: SelfClients,
  endpoint: () => string,
): void {
  app.addHook('preHandler', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const bucket = decodeURIComponent(path.replace(/^\/|\/$/g, ''));
    const contentType = String(request.headers['content-type'] ?? '');
    if (
      request.method !== 'POST' ||
      bucket === '' ||
      bucket.includes('/') ||
      !/^multipart\/form-data/i.test(contentType)
    )
      return undefined;
    const form = await readPostForm(
      request.headers,
      Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
    ).catch(() => undefined);
    if (!form)
      return problemReply(reply, {
        status: 400,
        code: 'MalformedPOSTRequest',
        message: 'The body of your POST request is not well-formed multipart/form-data.',
      });
    const verdict = await judge(access, bucket, form);
    if (verdict !== 'allowed' && 'denied' in verdict) {
      const accessKeyId = (form.fields.get('x-amz-credential') ?? '').split('/')[0];
      const response = denialResponse('s3', verdict.denied, { head: false, accessKeyId });
      return reply.code(response.status).headers(response.headers).send(response.body);
    }
    if (verdict !== 'allowed') return problemReply(reply, verdict);
    const file = form.file;
    const key = (form.fields.get('key') ?? '').replace('${filename}', file?.name ?? '');
    const put = await self.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: file?.body ?? Buffer.alloc(0),
        ContentType: form.fields.get('content-type') ?? file?.type,
        Metadata: metadataOf(form.fields),
      }),
    );
    const location = `${endpoint()}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
    return success(reply, form.fields, { bucket, key, etag: put.ETag ?? '', location });
  });
}
