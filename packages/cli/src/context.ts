/** What every command gets: its target, SDK clients and where to write; what it returns. */
import type { Clients } from './clients.ts';
import type { ExitCode } from './exit-codes.ts';
import type { Target } from './target.ts';

export interface Io {
  readonly json: boolean;
  /** Progress bars only on a terminal. */
  readonly tty: boolean;
  /** Human output (stdout); unused with --json except by streaming commands. */
  out(text: string): void;
  /** Progress and notes (stderr). */
  err(text: string): void;
}

export interface CommandContext {
  readonly target: Target;
  readonly clients: Clients;
  readonly io: Io;
  /** Aborted on Ctrl-C: loops stop, the command returns what it has. */
  readonly signal: AbortSignal;
}

export interface CommandResult<T> {
  readonly code: ExitCode;
  /** Printed as JSON with --json. */
  readonly result: T;
  /** Printed without --json. */
  readonly text: string;
}
