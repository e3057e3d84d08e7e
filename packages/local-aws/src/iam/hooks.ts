/**
 * IAM on every request that reaches the emulator over the network, through Fastify's public
 * hooks: `preHandler` maps the request, judges it and answers a denial in AWS's format before
 * fauxqs sees it; `onSend` turns fauxqs's 404 for a missing key into S3's 403 when the caller may
 * not list that key; bucket and queue policies set through the API become resource policies.
 * Requests the emulator makes to itself (`app.inject`) are not judged: they are not callers.
 */
import { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { buildApp } from 'fauxqs';
import type { PolicyDocument } from '@darkroom/access';
import type { AccessControl } from './access-control.ts';
import { accessKeyIdOf } from './credentials.ts';
import {
  type ArnScope,
  type MappedRequest,
  type Service,
  mapRequest,
  queueArnOfUrl,
} from './request-map.ts';
import { SimulationError } from '@darkroom/access';
import { type ClientMistake, clientErrorResponse, sqsJsonMistake } from './client-errors.ts';
import { denialResponse } from './responses.ts';

type App = ReturnType<typeof buildApp>;

interface Judged {
  readonly request: MappedRequest;
  readonly accessKeyId: string | undefined;
}

/** A JSON policy document from the wire; `undefined` if it is not one. */
export function parsePolicy(text: string): PolicyDocument | undefined {
  try {
    const doc = JSON.parse(text) as Partial<PolicyDocument>;
    return doc && Array.isArray(doc.Statement) ? (doc as PolicyDocument) : undefined;
  } catch {
    return undefined;
  }
}

function unmapped(request: FastifyRequest): MappedRequest {
  // Not an API we know: a known key may see fauxqs's own answer; an unknown key is still refused.
  return {
    service: 's3',
    operation: `${request.method} ${request.url}`,
    head: request.method === 'HEAD',
    checks: [],
  };
}

/** S3 requests whose IAM decision needs no body: all but POST / (SQS, STS), ?delete and ?policy. */
export function judgedOnHeaders(method: string, url: string): boolean {
  const [path = '/', query = ''] = url.split('?');
  if (path === '/' && method !== 'GET') return false;
  const params = new URLSearchParams(query);
  return !params.has('delete') && !params.has('policy');
}

export function installAccessControl(app: App, access: AccessControl, scope: ArnScope): void {
  const judged = new WeakMap<FastifyRequest, Judged>();

  async function send(
    reply: FastifyReply,
    judgedRequest: Judged,
    denial: Parameters<typeof denialResponse>[1],
  ) {
    const response = denialResponse(judgedRequest.request.service, denial, {
      head: judgedRequest.request.head,
      accessKeyId: judgedRequest.accessKeyId,
    });
    return reply.code(response.status).headers(response.headers).send(response.body);
  }

  const mistake = (reply: FastifyReply, service: Service, kind: ClientMistake, message: string) => {
    const response = clientErrorResponse(service, kind, message);
    return reply.code(response.status).headers(response.headers).send(response.body);
  };

  /** Map, judge and, when denied, answer one request; undefined lets it through. */
  async function judge(request: FastifyRequest, reply: FastifyReply) {
    const mapped = mapRequest(request, scope) ?? unmapped(request);
    const accessKeyId = accessKeyIdOf(request.headers, request.url.split('?')[1] ?? '');
    const entry: Judged = { request: mapped, accessKeyId };
    judged.set(request, entry);
    let verdict: Awaited<ReturnType<AccessControl['authorize']>>;
    try {
      verdict = await access.authorize(accessKeyId, mapped);
    } catch (error) {
      // The simulator knows every real action: one it cannot judge is the client's invention.
      if (!(error instanceof SimulationError)) throw error;
      const unknownAction = /invalid\.action/.test(error.message);
      return mistake(
        reply,
        mapped.service,
        mapped.service === 'sqs' && unknownAction ? 'UnknownOperation' : 'InvalidRequest',
        mapped.service === 'sqs' && unknownAction
          ? `The action ${mapped.operation} is not valid for this endpoint`
          : `The request does not name a valid ${mapped.service.toUpperCase()} resource for ${mapped.operation}`,
      );
    }
    if (!verdict.allowed) return send(reply, entry, verdict.denial);
    return undefined;
  }

  // Requests whose method, path and headers say everything (every S3 request but DeleteObjects
  // and bucket policies) are judged before their body is read: a 1 GiB PUT with an unknown key
  // or no permission is refused at once, not after the emulator buffered it.
  app.addHook('onRequest', async (request, reply) => {
    if (!(request.raw instanceof IncomingMessage)) return undefined; // app.inject: the emulator itself
    if (!judgedOnHeaders(request.method, request.url)) return undefined;
    return judge(request, reply);
  });

  app.addHook('preHandler', async (request, reply) => {
    if (!(request.raw instanceof IncomingMessage)) return undefined; // app.inject: the emulator itself
    const sqsTarget = request.headers['x-amz-target'];
    if (
      typeof sqsTarget === 'string' &&
      sqsTarget.startsWith('AmazonSQS.') &&
      sqsJsonMistake(request.body)
    )
      return mistake(reply, 'sqs', 'Serialization', 'The request body must be a JSON object');
    if (!judgedOnHeaders(request.method, request.url)) {
      const denied = await judge(request, reply);
      if (denied) return denied;
    }
    const mapped = judged.get(request)?.request;
    if (mapped?.service === 's3' && mapped.operation.endsWith('BucketPolicy'))
      return bucketPolicyRequest(app, access, request, reply, mapped);
    return undefined;
  });

  installMissingKeyAnswer(app, access, judged);
  installQueuePolicies(app, access, scope, judged);
}

/** S3 answers a GET/HEAD of a missing key with 403 unless the caller may list that key. */
function installMissingKeyAnswer(
  app: App,
  access: AccessControl,
  judged: WeakMap<FastifyRequest, Judged>,
): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const entry = judged.get(request);
    const check = entry?.request.missingKeyCheck;
    if (!entry || !check || reply.statusCode !== 404 || !access.enforced) return payload;
    const { missingKeyCheck: _, ...judgedRequest } = entry.request;
    const verdict = await access.authorize(entry.accessKeyId, {
      ...judgedRequest,
      checks: [check],
    });
    if (verdict.allowed) return payload;
    const response = denialResponse('s3', verdict.denial, {
      head: entry.request.head,
      accessKeyId: entry.accessKeyId,
    });
    reply.code(response.status).headers(response.headers);
    return response.body;
  });
}

/** A queue policy set through CreateQueue/SetQueueAttributes governs that queue from now on. */
function installQueuePolicies(
  app: App,
  access: AccessControl,
  scope: ArnScope,
  judged: WeakMap<FastifyRequest, Judged>,
): void {
  app.addHook('onResponse', async (request, reply) => {
    const entry = judged.get(request);
    if (!entry || entry.request.service !== 'sqs' || reply.statusCode !== 200) return;
    const { operation } = entry.request;
    if (operation !== 'CreateQueue' && operation !== 'SetQueueAttributes') return;
    const body = (request.body ?? {}) as { Attributes?: Record<string, string>; QueueUrl?: string };
    const text = body.Attributes?.['Policy'];
    if (text === undefined) return;
    const arn =
      operation === 'CreateQueue'
        ? entry.request.checks[0]?.resource
        : queueArnOfUrl(String(body.QueueUrl ?? ''), scope);
    if (arn) access.setResourcePolicy(arn, text === '' ? undefined : parsePolicy(text));
  });
}

/** fauxqs has no bucket policies: Put/Get/DeleteBucketPolicy are answered here. */
async function bucketPolicyRequest(
  app: App,
  access: AccessControl,
  request: FastifyRequest,
  reply: FastifyReply,
  mapped: MappedRequest,
) {
  const bucketArn = mapped.checks[0]?.resource ?? '';
  const bucket = bucketArn.slice('arn:aws:s3:::'.length);
  const xmlError = (status: number, code: string, message: string) =>
    reply
      .code(status)
      .header('content-type', 'application/xml')
      .send(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><BucketName>${bucket}</BucketName></Error>`,
      );
  const exists = await app.inject({ method: 'HEAD', url: `/${encodeURIComponent(bucket)}` });
  if (exists.statusCode !== 200)
    return xmlError(404, 'NoSuchBucket', 'The specified bucket does not exist');
  if (mapped.operation === 'DeleteBucketPolicy') {
    access.setResourcePolicy(bucketArn, undefined);
    return reply.code(204).send();
  }
  if (mapped.operation === 'GetBucketPolicy') {
    const policy = access.resourcePolicy(bucketArn);
    if (!policy) return xmlError(404, 'NoSuchBucketPolicy', 'The bucket policy does not exist');
    return reply.code(200).header('content-type', 'application/json').send(JSON.stringify(policy));
  }
  const text = Buffer.isBuffer(request.body)
    ? request.body.toString('utf8')
    : String(request.body ?? '');
  const policy = parsePolicy(text);
  if (!policy)
    return xmlError(400, 'MalformedPolicy', 'Policies must be valid JSON with a Statement array');
  access.setResourcePolicy(bucketArn, policy);
  return reply.code(204).send();
}
