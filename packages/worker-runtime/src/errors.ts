/**
 * Failures of the worker, classified once so every caller treats them alike.
 * `retryable: false` errors are dead-lettered with their code and message; `retryable: true`
 * ones leave the message on its queue to be received again (bounded by the redrive policy).
 */

/** The step of handling a message that failed. */
export type WorkerStep =
  | 'config'
  | 'parse'
  | 'check-result'
  | 'download'
  | 'process'
  | 'upload'
  | 'dead-letter'
  | 'shutdown';

export class WorkerError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly step: WorkerStep;

  constructor(
    code: string,
    message: string,
    options: { step: WorkerStep; retryable: boolean; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.step = options.step;
    this.retryable = options.retryable;
  }

  /** `true` when the same message can never succeed: dead-letter it now. */
  get permanent(): boolean {
    return !this.retryable;
  }
}

/** The environment does not describe a runnable worker; the message lists every bad variable. */
export class ConfigError extends WorkerError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('InvalidConfig', `Invalid worker configuration:\n  - ${problems.join('\n  - ')}`, {
      step: 'config',
      retryable: false,
    });
    this.problems = problems;
  }
}

/** Retrying will not help: bad body, key outside the prefix, missing source, undecodable photo. */
export class PermanentMessageError extends WorkerError {
  constructor(code: string, message: string, step: WorkerStep, cause?: unknown) {
    super(code, message, { step, retryable: false, cause });
  }
}

/** Worth another try later: throttling, 5xx, timeouts, network. */
export class TransientError extends WorkerError {
  constructor(code: string, message: string, step: WorkerStep, cause?: unknown) {
    super(code, message, { step, retryable: true, cause });
  }
}

/** The worker is shutting down; the message is released to another pod. */
export class ShutdownError extends WorkerError {
  constructor() {
    super('ShuttingDown', 'Worker is shutting down; message released for another worker', {
      step: 'shutdown',
      retryable: true,
    });
  }
}

const MISSING_OBJECT = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);

/**
 * HTTP status of an AWS SDK error, if it carries one.
 * @example httpStatusOf(preconditionFailed) // 412
 */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata: unknown = error.$metadata;
  if (typeof metadata !== 'object' || metadata === null || !('httpStatusCode' in metadata))
    return undefined;
  return typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

/**
 * Classify an AWS SDK error of `step`. A missing source object is permanent (the photo was
 * deleted before we got to it); everything else — throttling, 5xx, timeouts, resets, even access
 * denied while IAM propagates — is transient and bounded by the queue's maxReceiveCount.
 */
export function classifyAwsError(error: unknown, step: WorkerStep, what: string): WorkerError {
  if (error instanceof WorkerError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const status = httpStatusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (MISSING_OBJECT.has(name) || (step === 'download' && status === 404)) {
    return new PermanentMessageError(
      'SourceMissing',
      `${what} does not exist (${name}); it was deleted before processing`,
      step,
      error,
    );
  }
  return new TransientError(
    name === 'Error' ? 'AwsError' : name,
    `${what} failed with ${name}${status ? ` (HTTP ${status})` : ''}: ${message}`,
    step,
    error,
  );
}
