/**
 * How S3 writes object keys into event notifications: URL-encoded like a form value, so a space
 * is `+` and a literal `+` is `%2B`; `/` is kept. The emulator encodes with it and the workers
 * decode with it, so the two cannot disagree.
 */

/**
 * Encode a key as S3 does in an event notification.
 * @example encodeEventKey('a b/c+d é.jpg') // 'a+b/c%2Bd+%C3%A9.jpg'
 */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/**
 * Decode a key from an S3 event notification: `+` becomes a space before percent-decoding.
 * @throws {URIError} for a malformed percent escape.
 * @example decodeEventKey('2026/my+photo%2B1.jpg') // '2026/my photo+1.jpg'
 */
export function decodeEventKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}
