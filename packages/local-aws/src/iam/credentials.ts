/**
 * Who is calling: the access key id from the request's SigV4 credential scope. The emulator does
 * NOT validate signatures (it has no secret to check them against that a test could not read
 * anyway): anyone on this machine who knows a key id can use it. The point is that each process
 * holds exactly one key and is judged by that key's policies, as in AWS.
 */

/**
 * `Authorization: AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, …`
 * or a presigned URL's `X-Amz-Credential=<key>/…`.
 * @example accessKeyIdOf({ authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, …' }, '') // 'AKID'
 */
export function accessKeyIdOf(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  query: string,
): string | undefined {
  const raw = headers['authorization'];
  const authorization = Array.isArray(raw) ? raw[0] : raw;
  const fromHeader = authorization && /Credential=([^/,\s]+)\//.exec(authorization)?.[1];
  if (fromHeader) return fromHeader;
  const credential = new URLSearchParams(query).get('X-Amz-Credential');
  return credential?.split('/')[0] || undefined;
}
