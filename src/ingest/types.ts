/** What `POST /v1/cdr` answers, and what `callshield ingest` prints per file. */
export interface IngestResult {
  uploadId: string;
  file: string;
  /** New records, kept and handed to detection. */
  accepted: number;
  /** Records already received before (same operator and record_id), counted once. */
  duplicates: number;
  /** Rows refused, each stored in the quarantine with its line and reason. */
  quarantined: number;
  /** Bytes of the body as received (compressed when it was). */
  bytes: number;
}

/**
 * One committed batch of accepted CDRs, as published on the 'cdr' stream. The payload is the
 * columnar batch encoded by src/ingest/codec.ts (the journal row `batchId` holds the same rows).
 */
export interface CdrBatchEvent {
  batchId: number;
  operator: string;
  uploadId: string;
  rows: number;
  payload: Uint8Array;
}
