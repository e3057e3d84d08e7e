/** S3's error document, as every S3 client parses it (`<Error><Code>…</Code><Message>…`). */
const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** @param details further elements S3 adds for this error (e.g. `X-Amz-Expires`, `ServerTime`). */
export function s3ErrorXml(
  code: string,
  message: string,
  details: Readonly<Record<string, string>> = {},
): string {
  const extra = Object.entries(details)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${extra}</Error>`;
}
