/**
 * Per-operator output buffers. Each row is copied into a preallocated Buffer as soon as it is
 * built, while its string is still young: accumulating megabytes of concatenated strings and
 * encoding them later costs twice the generation time (the ropes get promoted by the garbage
 * collector before they are flattened). Rows are ASCII, so latin1 is an exact, fast encoding.
 */
const CHUNK_BYTES = 1 << 20;
/** Longest row the simulator writes, with room to spare. */
const MAX_ROW_BYTES = 1024;

export class ChunkedOutput {
  private readonly current: Buffer[];
  private readonly offsets: number[];
  /** Full chunks waiting to be written, per operator. */
  private readonly ready: Buffer[][];

  constructor(outputs: number) {
    this.current = Array.from({ length: outputs }, () => Buffer.allocUnsafe(CHUNK_BYTES + MAX_ROW_BYTES));
    this.offsets = new Array(outputs).fill(0);
    this.ready = Array.from({ length: outputs }, () => []);
  }

  append(output: number, row: string): void {
    let offset = this.offsets[output];
    if (offset >= CHUNK_BYTES) {
      this.ready[output].push(this.current[output].subarray(0, offset));
      this.current[output] = Buffer.allocUnsafe(CHUNK_BYTES + MAX_ROW_BYTES);
      offset = 0;
    }
    this.offsets[output] = offset + this.current[output].write(row, offset, 'latin1');
  }

  /** Chunks ready for `output`; with `all`, the partly filled one too. The caller owns them. */
  take(output: number, all: boolean): Buffer[] {
    const chunks = this.ready[output];
    this.ready[output] = [];
    if (all && this.offsets[output] > 0) {
      chunks.push(this.current[output].subarray(0, this.offsets[output]));
      this.current[output] = Buffer.allocUnsafe(CHUNK_BYTES + MAX_ROW_BYTES);
      this.offsets[output] = 0;
    }
    return chunks;
  }
}
