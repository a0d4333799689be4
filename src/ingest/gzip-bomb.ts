/**
 * A gzip decompression bomb made as a stream, for the tests and the bench: a CSV header, then one
 * block of text deflated once and repeated until the body inflates to the size asked. A few
 * megabytes on the wire, gigabytes once inflated, never held whole on either side.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { CDR_HEADER } from '../cdr/test-support.ts';

/** A CDR row that fails validation (event `fax`): what the bomb inflated to. */
export const BAD_ROW = 'bomb-1,BEELINE,fax,out,+77051234567,+77011234567,,,ALA-1,2025-03-03T08:00:00+05:00,60,1,,\n';

export interface GzipBomb {
  /** The gzip body, chunk by chunk. */
  chunks: Generator<Buffer>;
  /** Bytes of the body (compressed). */
  compressedBytes: number;
  /** Bytes it inflates to. */
  inflatedBytes: number;
}

/**
 * A gzip body inflating to about `inflatedBytes` of `row` repeated after a CDR header. Each deflate
 * segment ends with a full flush (no reference to what came before), so the same compressed
 * segment repeated is a valid stream; the trailer carries the CRC of the whole inflated text.
 */
export function gzipBomb(inflatedBytes: number, row = BAD_ROW, segmentsPerChunk = 16): GzipBomb {
  const head = Buffer.from(`${CDR_HEADER}\n`);
  const block = Buffer.from(row.repeat(Math.max(1, Math.floor((1 << 20) / row.length))));
  const headDeflated = deflateRawSync(head, { finishFlush: constants.Z_FULL_FLUSH });
  const blockDeflated = deflateRawSync(block, { finishFlush: constants.Z_FULL_FLUSH, level: 9 });
  const repeats = Math.max(1, Math.ceil((inflatedBytes - head.length) / block.length));
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  // An empty final block with fixed Huffman codes.
  const last = Buffer.from([0x03, 0x00]);
  const total = head.length + repeats * block.length;
  function* chunks(): Generator<Buffer> {
    yield Buffer.concat([header, headDeflated]);
    let crc = crc32(head);
    // Several segments (1 MiB inflated each) a chunk: fewer, larger writes.
    const group = Math.max(1, segmentsPerChunk);
    const groupBytes = Buffer.concat(Array.from({ length: group }, () => blockDeflated));
    let left = repeats;
    while (left > 0) {
      const n = Math.min(group, left);
      for (let k = 0; k < n; k++) crc = crc32(block, crc);
      yield n === group ? groupBytes : groupBytes.subarray(0, n * blockDeflated.length);
      left -= n;
    }
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc >>> 0, 0);
    trailer.writeUInt32LE(total % 2 ** 32, 4);
    yield Buffer.concat([last, trailer]);
  }
  return {
    chunks: chunks(),
    compressedBytes: header.length + headDeflated.length + repeats * blockDeflated.length + last.length + 8,
    inflatedBytes: total,
  };
}
