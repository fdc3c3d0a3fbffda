import type { ApiErrorPayload } from './protocol.js';
import { ApiError } from './protocol.js';
import { describeFsError, isFsError } from '../files/errors.js';

/** An error a service method throws on purpose, with the code the client should see. */
export class ServiceError extends Error {
  constructor(
    readonly code: ApiErrorPayload['code'],
    message: string,
    readonly where: { file?: string; line?: number; reason?: string } = {},
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

interface FileLineError {
  file: string;
  line: number | null;
  reason: string;
}

function isFileLineError(error: unknown): error is Error & FileLineError {
  return (
    error instanceof Error &&
    typeof (error as Partial<FileLineError>).file === 'string' &&
    typeof (error as Partial<FileLineError>).reason === 'string'
  );
}

/**
 * Turns anything a handler threw into the error payload the client gets.
 * Bad input keeps its file, line and reason; unexpected errors keep only their
 * message (no stack traces to the UI, they go to the back end's log).
 */
export function toErrorPayload(error: unknown, signal?: AbortSignal): ApiErrorPayload {
  if (signal?.aborted || (error instanceof Error && error.name === 'AbortError')) {
    return { code: 'cancelled', message: 'cancelled' };
  }
  if (error instanceof ApiError) return error.payload;
  if (error instanceof ServiceError) return { code: error.code, message: error.message, ...error.where };
  if (isFileLineError(error)) {
    return {
      code: 'bad-input',
      message: error.message,
      file: error.file,
      ...(typeof error.line === 'number' ? { line: error.line } : {}),
      reason: error.reason,
    };
  }
  if (isFsError(error)) {
    // In words, naming the file (core/files/errors.ts), as the CLI reports it.
    return { code: error.code === 'ENOENT' ? 'not-found' : 'internal', message: describeFsError(error) };
  }
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}
