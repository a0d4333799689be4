import { ApiError } from './api/client.ts';
import type { MessageKey } from './messages.ts';

/**
 * An API error in the console's language: the text of its stable code (`error.<CODE>` in
 * messages.ts), never the server's English message — except as a detail for the codes whose
 * message says which field or value is wrong (it stays in English there).
 */
export interface ErrorText {
  text: string;
  /** The server's message, when it tells the user what to fix. */
  detail?: string;
  /** The stable code (or HTTP status), for a report to the administrator. */
  code?: string;
}

/** Codes whose server message names the field, the value or the broken condition. */
const detailed = new Set([
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'INVALID_NUMBER',
  'INVALID_TIME',
  'WEAK_PASSWORD',
  'CONFLICT',
]);

export function errorText(t: (key: MessageKey) => string, error: unknown): ErrorText {
  if (!(error instanceof ApiError)) return { text: t('common.error') };
  if (error.code === 'HTTP_ERROR') return { text: t('error.HTTP_ERROR'), code: `HTTP ${error.status}` };
  const key = `error.${error.code}` as MessageKey;
  const text = t(key);
  // A code newer than this console: the generic text, with the server's words as the detail.
  if (text === key) return { text: t('common.error'), detail: error.message || undefined, code: error.code };
  return { text, detail: detailed.has(error.code) && error.message ? error.message : undefined, code: error.code };
}

/** The error as one line (for notices that hold a plain string). */
export function errorLine(t: (key: MessageKey) => string, error: unknown): string {
  const { text, detail } = errorText(t, error);
  return detail ? `${text}: ${detail}` : text;
}
