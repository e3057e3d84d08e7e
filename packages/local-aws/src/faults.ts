/**
 * Fault injection for tests: rules that fail chosen requests with an HTTP status and S3's error
 * XML (`SlowDown` for 503, `InternalError` otherwise), before IAM or fauxqs see them.
 */
import type { buildApp } from 'fauxqs';

/** Decide per request whether to fail it; return an HTTP status to fail with, or undefined. */
export type FaultRule = (request: { method: string; url: string }) => number | undefined;

export function installFaults(app: ReturnType<typeof buildApp>, rules: readonly FaultRule[]): void {
  app.addHook('onRequest', async (request, reply) => {
    for (const rule of rules) {
      const status = rule({ method: request.method, url: request.url });
      if (status) {
        const code = status === 503 ? 'SlowDown' : 'InternalError';
        return reply
          .code(status)
          .header('content-type', 'application/xml')
          .send(
            `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected fault</Message></Error>`,
          );
      }
    }
    return undefined;
  });
}
