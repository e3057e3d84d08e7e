/** Errors a client gets: an HTTP status, a stable code and words meant for them, never internals. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const errorBody = (code: string, message: string) => ({ error: { code, message } });
