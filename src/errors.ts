/**
 * Every error a client can see: a stable code bound to an HTTP status. One error handler turns
 * an AppError into `{"error":{"code","message"}}`; anything else becomes INTERNAL without details.
 */
export const errorCodes = {
  BAD_REQUEST: 400,
  /** Not an HTTP/1.1 request Node can read (a raw non-ASCII byte in the path, a negative Content-Length…). */
  MALFORMED_REQUEST: 400,
  /** A path that is not valid percent-encoded UTF-8 (`%ff`). */
  INVALID_PATH: 400,
  /** A part of the path longer than any identifier of the API. */
  PATH_TOO_LONG: 414,
  /** Request headers larger than Node reads. */
  HEADERS_TOO_LARGE: 431,
  /** The request did not arrive in time. */
  REQUEST_TIMEOUT: 408,
  /** A reported or checked link with a scheme other than http or https (`javascript:`, `data:`…). */
  UNSUPPORTED_URL_SCHEME: 400,
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  INVALID_NUMBER: 400,
  INVALID_TIME: 400,
  /** An SMS sender that is neither a number nor a valid alphanumeric sender ID (DESIGN.md §3.1). */
  INVALID_SENDER: 400,
  /** An SMS text over 10 kB of UTF-8, or not valid Unicode. */
  INVALID_TEXT: 400,
  UNKNOWN_LIST: 404,
  UNKNOWN_OPERATOR: 404,
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  PASSWORD_CHANGE_REQUIRED: 403,
  WEAK_PASSWORD: 400,
  USER_EXISTS: 409,
  AUDIT_UNAVAILABLE: 503,
  FORBIDDEN: 403,
  NOT_NUMBER_OWNER: 403,
  OPERATOR_EXISTS: 409,
  CONFLICT: 409,
  /** A case cannot move from its status to the one asked (src/cases/workflow.ts). */
  INVALID_TRANSITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** A CDR upload with a Content-Encoding other than gzip or identity (br, deflate, zstd…). */
  UNSUPPORTED_CONTENT_ENCODING: 415,
  BATCH_TOO_LARGE: 413,
  /** A gzip CDR upload inflates past CALLSHIELD_CDR_INFLATED_LIMIT_BYTES (what was committed before is kept). */
  INFLATED_TOO_LARGE: 413,
  /** A gzip CDR upload inflates more than CALLSHIELD_CDR_MAX_COMPRESSION_RATIO times its size: a decompression bomb. */
  COMPRESSION_RATIO_TOO_HIGH: 413,
  /** A CDR upload has more bad rows than CALLSHIELD_CDR_MAX_BAD_ROWS (what was committed before is kept). */
  TOO_MANY_BAD_ROWS: 400,
  RATE_LIMITED: 429,
  /** A burst of public reports from one network: the next one needs a solved proof of work. */
  PROOF_OF_WORK_REQUIRED: 428,
  NOT_READY: 503,
  /** A dependency the request needs (hot state, streams) is down; the platform recovers by itself. */
  DEPENDENCY_UNAVAILABLE: 503,
  /** The node is closing (a restart, a deploy): a request that still reaches it is refused; send it again. */
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
  /** A webhook URL that resolves to a loopback, private or link-local address (src/webhooks). */
  URL_NOT_ALLOWED: 400,
  /** An owner (operator or bank) already has the most live webhooks (MAX_WEBHOOKS_PER_OWNER): delete one first. */
  WEBHOOK_LIMIT: 409,
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** An expected failure that a client sees with its code and message. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.status = errorCodes[code];
  }
}

/** The JSON body of an error answer. */
export function errorBody(code: ErrorCode, message: string): { error: { code: ErrorCode; message: string } } {
  return { error: { code, message } };
}

/** A value-or-error result for expected failures inside modules. */
export type Result<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: ErrorCode, message: string): Result<T> => ({ ok: false, code, message });
