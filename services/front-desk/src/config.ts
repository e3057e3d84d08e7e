/** The front desk's settings from its environment (FRONT_DESK_ENV), checked once at start. */
import { FRONT_DESK_ENV, FRONT_DESK_PORT, OPERATIONS, isOperation } from '@darkroom/pipeline-spec';
import { z } from 'zod';

const schema = z.object({
  [FRONT_DESK_ENV.bucket]: z.string().min(3),
  [FRONT_DESK_ENV.region]: z.string().min(1),
  [FRONT_DESK_ENV.endpoint]: z.url().optional(),
  [FRONT_DESK_ENV.resultsQueueUrl]: z.url().optional(),
  [FRONT_DESK_ENV.deadLetterQueueUrls]: z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      try {
        const parsed = z
          .record(z.string().refine(isOperation, `one of ${OPERATIONS.join(', ')}`), z.url())
          .parse(JSON.parse(text));
        return parsed;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'a JSON object of operation → DLQ URL' });
        return z.NEVER;
      }
    }),
  [FRONT_DESK_ENV.port]: z.coerce.number().int().min(1).max(65535).default(FRONT_DESK_PORT),
  [FRONT_DESK_ENV.host]: z.string().default('0.0.0.0'),
  [FRONT_DESK_ENV.logLevel]: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type FrontDeskEnvironment = z.infer<typeof schema>;

/** @throws {Error} naming each variable that is missing or wrong, and what it expects. */
export function frontDeskEnvironment(env: NodeJS.ProcessEnv): FrontDeskEnvironment {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new Error(
    `Invalid front desk configuration:\n${parsed.error.issues.map((i) => `  - ${String(i.path[0])}: ${i.message}`).join('\n')}`,
  );
}
