/**
 * Exit codes of every `darkroom` command, so scripts can tell "it ran and found a problem" from
 * "it could not run". Documented in README.md; tests assert them.
 */
export const EXIT = {
  /** The command did what was asked and found nothing wrong. */
  ok: 0,
  /** Unexpected failure: an AWS call or the network failed, or a bug. */
  error: 1,
  /** The command ran and found a problem: a preflight check failed, uploads failed, photos are dead-lettered, a watch timed out. */
  attention: 2,
  /** Bad usage: unknown option, bad value, no target or unreadable stack outputs (sysexits EX_USAGE). */
  usage: 64,
  /** Interrupted with Ctrl-C. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the user can fix: printed without a stack trace, exits with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = EXIT.usage) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
