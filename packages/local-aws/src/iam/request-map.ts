/**
 * Every request the emulator serves, mapped to what IAM evaluates in AWS: the action(s), the
 * resource ARN and the request context keys S3 and SQS set (Service Authorization Reference for
 * Amazon S3 and Amazon SQS; S3 "Actions, resources, and condition keys").
 *
 * Path-style S3 REST; SQS JSON protocol (`X-Amz-Target: AmazonSQS.<Operation>`, which is all
 * fauxqs routes for SQS — its form-encoded endpoint is SNS and STS).
 */
import { XMLParser } from 'fast-xml-parser';

/** One IAM check: `action` on `resource` with `context`. */
export interface AccessCheck {
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string>>;
}

export type Service = 's3' | 'sqs' | 'sns' | 'sts' | 'emulator';

export interface MappedRequest {
  readonly service: Service;
  /** The API operation, e.g. `HeadObject`, `ReceiveMessage`. */
  readonly operation: string;
  /** HEAD requests carry no error body. */
  readonly head: boolean;
  /** All must be allowed (CopyObject reads its source and writes its target). */
  readonly checks: readonly AccessCheck[];
  /**
   * For GET/HEAD of an object: the check S3 makes when the key does not exist, to choose 404
   * (the caller may list the key) or 403 (S3 HeadObject/GetObject docs, "Permissions").
   */
  readonly missingKeyCheck?: AccessCheck;
  /** Needs a known key but no permission (sts:GetCallerIdentity). */
  readonly unauthenticatedOk?: boolean;
  /** Needs no credentials at all (the emulator's own health check). */
  readonly anonymousOk?: boolean;
}

export interface RequestLike {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body?: unknown;
}

export interface ArnScope {
  readonly region: string;
  readonly accountId: string;
}

const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
const objectArn = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
const check = (
  action: string,
  resource: string,
  context: Record<string, string> = {},
): AccessCheck => ({ action, resource, context });

function header(request: RequestLike, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Map one request; `undefined` for a request that is not an AWS API call we know. */
export function mapRequest(request: RequestLike, scope: ArnScope): MappedRequest | undefined {
  const [path = '/', query = ''] = request.url.split('?');
  if (request.method === 'POST' && path === '/') return mapPostRoot(request, scope);
  if (path === '/health')
    return { service: 'emulator', operation: 'Health', head: false, checks: [], anonymousOk: true };
  // fauxqs's inspection endpoints list queues and their depths: judged as sqs:ListQueues.
  if (path.startsWith('/_fauxqs'))
    return {
      service: 'emulator',
      operation: path,
      head: false,
      checks: [check('sqs:ListQueues', '*')],
    };
  return mapS3(request.method, path, new URLSearchParams(query), request);
}

function mapPostRoot(request: RequestLike, scope: ArnScope): MappedRequest | undefined {
  const contentType = header(request, 'content-type') ?? '';
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (contentType.includes('application/x-amz-json-1.0')) {
    const target = header(request, 'x-amz-target') ?? '';
    if (!target.startsWith('AmazonSQS.')) return undefined;
    return mapSqs(target.slice('AmazonSQS.'.length), body, scope);
  }
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const action = String(body['Action'] ?? '');
    if (action === 'GetCallerIdentity')
      return {
        service: 'sts',
        operation: action,
        head: false,
        checks: [],
        unauthenticatedOk: true,
      };
    const topic = typeof body['TopicArn'] === 'string' ? body['TopicArn'] : '*';
    return {
      service: 'sns',
      operation: action,
      head: false,
      checks: [check(`sns:${action}`, topic)],
    };
  }
  return undefined;
}

/** SQS operations whose IAM action differs from their name (SQS API Reference, "Batch actions"). */
const SQS_ACTION: Readonly<Record<string, string>> = {
  SendMessageBatch: 'sqs:SendMessage',
  DeleteMessageBatch: 'sqs:DeleteMessage',
  ChangeMessageVisibilityBatch: 'sqs:ChangeMessageVisibility',
};

/** Queue URL `http://host/<account>/<name>` → queue ARN in the emulator's region. */
export function queueArnOfUrl(queueUrl: string, scope: ArnScope): string | undefined {
  const match = /^https?:\/\/[^/]+\/(\d{12})\/([^/?]+)\/?$/.exec(queueUrl);
  return match ? `arn:aws:sqs:${scope.region}:${match[1]}:${match[2]}` : undefined;
}

function mapSqs(operation: string, body: Record<string, unknown>, scope: ArnScope): MappedRequest {
  const action = SQS_ACTION[operation] ?? `sqs:${operation}`;
  const base = { service: 'sqs' as const, operation, head: false };
  if (operation === 'ListQueues') return { ...base, checks: [check(action, '*')] };
  if (operation === 'CreateQueue' || operation === 'GetQueueUrl') {
    const account =
      typeof body['QueueOwnerAWSAccountId'] === 'string'
        ? body['QueueOwnerAWSAccountId']
        : scope.accountId;
    const name = String(body['QueueName'] ?? '');
    return { ...base, checks: [check(action, `arn:aws:sqs:${scope.region}:${account}:${name}`)] };
  }
  const url = typeof body['QueueUrl'] === 'string' ? body['QueueUrl'] : '';
  // An unparseable URL is checked against a resource no policy names, then fauxqs says why.
  const resource = queueArnOfUrl(url, scope) ?? `arn:aws:sqs:${scope.region}:${scope.accountId}:-`;
  return { ...base, checks: [check(action, resource)] };
}

/** Bucket subresources → [GET action, PUT action, DELETE action] (S3 Service Authorization Reference). */
const BUCKET_SUBRESOURCES: Readonly<Record<string, readonly [string, string, string]>> = {
  notification: ['GetBucketNotification', 'PutBucketNotification', 'PutBucketNotification'],
  policy: ['GetBucketPolicy', 'PutBucketPolicy', 'DeleteBucketPolicy'],
  location: ['GetBucketLocation', 'GetBucketLocation', 'GetBucketLocation'],
  versioning: ['GetBucketVersioning', 'PutBucketVersioning', 'PutBucketVersioning'],
  tagging: ['GetBucketTagging', 'PutBucketTagging', 'PutBucketTagging'],
  cors: ['GetBucketCORS', 'PutBucketCORS', 'PutBucketCORS'],
  lifecycle: [
    'GetLifecycleConfiguration',
    'PutLifecycleConfiguration',
    'PutLifecycleConfiguration',
  ],
  acl: ['GetBucketAcl', 'PutBucketAcl', 'PutBucketAcl'],
  encryption: [
    'GetEncryptionConfiguration',
    'PutEncryptionConfiguration',
    'PutEncryptionConfiguration',
  ],
  publicAccessBlock: [
    'GetBucketPublicAccessBlock',
    'PutBucketPublicAccessBlock',
    'PutBucketPublicAccessBlock',
  ],
  ownershipControls: [
    'GetBucketOwnershipControls',
    'PutBucketOwnershipControls',
    'PutBucketOwnershipControls',
  ],
};

function splitPath(path: string): { bucket: string; key: string } {
  const trimmed = path.replace(/^\//, '');
  const slash = trimmed.indexOf('/');
  if (slash < 0) return { bucket: decodeURIComponent(trimmed), key: '' };
  return {
    bucket: decodeURIComponent(trimmed.slice(0, slash)),
    key: decodeURIComponent(trimmed.slice(slash + 1)),
  };
}

function mapS3(
  method: string,
  path: string,
  params: URLSearchParams,
  request: RequestLike,
): MappedRequest | undefined {
  if (path === '/' && method === 'GET')
    return s3Request('ListBuckets', method, [check('s3:ListAllMyBuckets', '*')]);
  const { bucket, key } = splitPath(path);
  if (!bucket) return undefined;
  return key
    ? mapObject(method, bucket, key, params, request)
    : mapBucket(method, bucket, params, request);
}

function s3Request(
  operation: string,
  method: string,
  checks: readonly AccessCheck[],
  missingKeyCheck?: AccessCheck,
): MappedRequest {
  return {
    service: 's3',
    operation,
    head: method === 'HEAD',
    checks,
    ...(missingKeyCheck ? { missingKeyCheck } : {}),
  };
}

function mapBucket(
  method: string,
  bucket: string,
  params: URLSearchParams,
  request: RequestLike,
): MappedRequest | undefined {
  const arn = bucketArn(bucket);
  const sub = Object.keys(BUCKET_SUBRESOURCES).find((name) => params.has(name));
  if (sub) {
    const [get, put, del] = BUCKET_SUBRESOURCES[sub] ?? ['', '', ''];
    const action = method === 'GET' ? get : method === 'DELETE' ? del : put;
    return s3Request(action, method, [check(`s3:${action}`, arn)]);
  }
  switch (method) {
    case 'PUT':
      return s3Request('CreateBucket', method, [check('s3:CreateBucket', arn)]);
    case 'HEAD':
      return s3Request('HeadBucket', method, [check('s3:ListBucket', arn)]);
    case 'DELETE':
      return s3Request('DeleteBucket', method, [check('s3:DeleteBucket', arn)]);
    case 'POST':
      // A browser upload carries its credential and signature in the form, not the headers:
      // s3/post-object.ts verifies them and judges s3:PutObject for the key it names.
      if (/^multipart\/form-data/i.test(header(request, 'content-type') ?? ''))
        return {
          service: 's3',
          operation: 'PostObject',
          head: false,
          checks: [],
          anonymousOk: true,
        };
      return s3Request('DeleteObjects', method, deleteObjectsChecks(bucket, request.body));
    case 'GET':
      return mapBucketGet(bucket, params);
    default:
      return undefined;
  }
}

function mapBucketGet(bucket: string, params: URLSearchParams): MappedRequest {
  const arn = bucketArn(bucket);
  if (params.has('uploads'))
    return s3Request('ListMultipartUploads', 'GET', [check('s3:ListBucketMultipartUploads', arn)]);
  if (params.has('versions'))
    return s3Request('ListObjectVersions', 'GET', [check('s3:ListBucketVersions', arn)]);
  // S3 sets s3:prefix (and s3:delimiter, s3:max-keys) only when the request carries them.
  const context: Record<string, string> = {};
  for (const [param, key] of [
    ['prefix', 's3:prefix'],
    ['delimiter', 's3:delimiter'],
    ['max-keys', 's3:max-keys'],
  ] as const) {
    const value = params.get(param);
    if (value !== null) context[key] = value;
  }
  const operation = params.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
  return s3Request(operation, 'GET', [check('s3:ListBucket', arn, context)]);
}

const xml = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'Object' });

/** DeleteObjects is authorised per key as s3:DeleteObject. */
function deleteObjectsChecks(bucket: string, body: unknown): AccessCheck[] {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
  let keys: string[] = [];
  try {
    const doc = xml.parse(text) as { Delete?: { Object?: { Key?: string }[] } };
    keys = (doc.Delete?.Object ?? []).map((o) => String(o.Key ?? ''));
  } catch {
    keys = [];
  }
  // A body we cannot read is still a delete of something in the bucket.
  if (keys.length === 0) return [check('s3:DeleteObject', objectArn(bucket, '*'))];
  return keys.map((key) => check('s3:DeleteObject', objectArn(bucket, key)));
}

function mapObject(
  method: string,
  bucket: string,
  key: string,
  params: URLSearchParams,
  request: RequestLike,
): MappedRequest | undefined {
  const arn = objectArn(bucket, key);
  const versioned = params.has('versionId');
  const missingKey = check('s3:ListBucket', bucketArn(bucket), { 's3:prefix': key });
  switch (method) {
    case 'HEAD':
    case 'GET': {
      if (params.has('tagging'))
        return s3Request('GetObjectTagging', method, [check('s3:GetObjectTagging', arn)]);
      if (params.has('acl'))
        return s3Request('GetObjectAcl', method, [check('s3:GetObjectAcl', arn)]);
      if (params.has('uploadId'))
        return s3Request('ListParts', method, [check('s3:ListMultipartUploadParts', arn)]);
      const action = versioned ? 's3:GetObjectVersion' : 's3:GetObject';
      const operation = method === 'HEAD' ? 'HeadObject' : 'GetObject';
      return s3Request(operation, method, [check(action, arn)], missingKey);
    }
    case 'PUT':
      return mapObjectPut(bucket, key, params, request);
    case 'POST':
      if (params.has('uploads'))
        return s3Request('CreateMultipartUpload', method, [check('s3:PutObject', arn)]);
      if (params.has('uploadId'))
        return s3Request('CompleteMultipartUpload', method, [check('s3:PutObject', arn)]);
      return s3Request('DeleteObjects', method, deleteObjectsChecks(bucket, request.body));
    case 'DELETE':
      if (params.has('uploadId'))
        return s3Request('AbortMultipartUpload', method, [check('s3:AbortMultipartUpload', arn)]);
      if (params.has('tagging'))
        return s3Request('DeleteObjectTagging', method, [check('s3:DeleteObjectTagging', arn)]);
      return s3Request('DeleteObject', method, [
        check(versioned ? 's3:DeleteObjectVersion' : 's3:DeleteObject', arn),
      ]);
    default:
      return undefined;
  }
}

function mapObjectPut(
  bucket: string,
  key: string,
  params: URLSearchParams,
  request: RequestLike,
): MappedRequest {
  const arn = objectArn(bucket, key);
  if (params.has('tagging'))
    return s3Request('PutObjectTagging', 'PUT', [check('s3:PutObjectTagging', arn)]);
  if (params.has('acl')) return s3Request('PutObjectAcl', 'PUT', [check('s3:PutObjectAcl', arn)]);
  const copySource = header(request, 'x-amz-copy-source');
  const operation = params.has('partNumber')
    ? copySource
      ? 'UploadPartCopy'
      : 'UploadPart'
    : copySource
      ? 'CopyObject'
      : 'PutObject';
  const checks = [check('s3:PutObject', arn)];
  if (copySource) {
    const source = decodeURIComponent(copySource.split('?')[0] ?? '').replace(/^\//, '');
    checks.push(check('s3:GetObject', `arn:aws:s3:::${source}`));
  }
  return s3Request(operation, 'PUT', checks);
}
