/**
 * What screening needs of a submit_sm, read from a PDU decoded by the `smpp` package: sender,
 * recipient, text (GSM 7-bit, Latin-1, UCS-2, ISO-8859-5) and, for a part of a long message, its
 * place in the whole (UDH concatenation with 8- or 16-bit references, or the SAR TLVs).
 */
import type { PDU } from 'smpp';

export interface Concatenation {
  reference: number;
  total: number;
  /** 1-based. */
  part: number;
}

export interface SubmittedMessage {
  sender: string;
  recipient: string;
  text: string;
  concatenation: Concatenation | null;
}

/** Why a submit_sm cannot be screened, as an SMPP error name of the `smpp` package. */
export type SubmitProblem = 'ESME_RINVMSGLEN' | 'ESME_RINVSRCADR' | 'ESME_RINVDSTADR';

const TON_INTERNATIONAL = 1;
const TON_ALPHANUMERIC = 5;

function address(value: unknown, ton: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  if (ton === TON_INTERNATIONAL && /^\d+$/.test(value)) return `+${value}`;
  return value;
}

function textOf(value: unknown, dataCoding: number): string {
  if (value === undefined || value === null) return '';
  const message =
    typeof value === 'object' && !Buffer.isBuffer(value) ? (value as { message?: unknown }).message : value;
  if (typeof message === 'string') return message;
  if (!Buffer.isBuffer(message)) return '';
  // Codings the package leaves as bytes.
  const coding = dataCoding & 0x0f;
  if (coding === 0x06) return new TextDecoder('iso-8859-5').decode(message);
  if (coding === 0x08)
    return new TextDecoder('utf-16be').decode(message.length % 2 === 0 ? message : message.subarray(0, -1));
  return message.toString('latin1');
}

function concatenationOf(pdu: PDU): Concatenation | null {
  // With the UDH indicator set, the header opens whichever field carries the text.
  const udh = [pdu.short_message, pdu.message_payload].flatMap((field) => (field as { udh?: Buffer[] })?.udh ?? []);
  for (const ie of udh) {
    if (ie[0] === 0x00 && ie[1] === 0x03 && ie.length >= 5) return { reference: ie[2], total: ie[3], part: ie[4] };
    if (ie[0] === 0x08 && ie[1] === 0x04 && ie.length >= 6)
      return { reference: (ie[2] << 8) | ie[3], total: ie[4], part: ie[5] };
  }
  const total = pdu.sar_total_segments;
  const part = pdu.sar_segment_seqnum;
  const reference = pdu.sar_msg_ref_num;
  if (typeof total === 'number' && typeof part === 'number' && typeof reference === 'number')
    return { reference, total, part };
  return null;
}

/**
 * A submit_sm, deliver_sm or data_sm whose body was cut short: the package decodes what there is
 * and leaves the later mandatory fields unread (data_sm has no short_message: its text is in
 * message_payload).
 */
export const isCutShort = (pdu: PDU) =>
  (!('short_message' in pdu) && pdu.command !== 'data_sm') || typeof pdu.data_coding !== 'number';

/** The message of a decoded submit_sm, or the reason it cannot be screened. */
export function readSubmit(pdu: PDU): SubmittedMessage | SubmitProblem {
  if (isCutShort(pdu)) return 'ESME_RINVMSGLEN';
  const sender = address(pdu.source_addr, pdu.source_addr_ton);
  if (sender === null) return 'ESME_RINVSRCADR';
  const recipient = address(pdu.destination_addr, pdu.dest_addr_ton);
  if (recipient === null) return 'ESME_RINVDSTADR';
  const dataCoding = pdu.data_coding as number;
  let text = textOf(pdu.short_message, dataCoding);
  if (pdu.message_payload !== undefined) text += textOf(pdu.message_payload, dataCoding);
  const concatenation = concatenationOf(pdu);
  if (concatenation && (concatenation.total < 1 || concatenation.part < 1 || concatenation.part > concatenation.total))
    return 'ESME_RINVMSGLEN';
  return {
    sender: pdu.source_addr_ton === TON_ALPHANUMERIC ? (pdu.source_addr as string) : sender,
    recipient,
    text,
    concatenation: concatenation && concatenation.total > 1 ? concatenation : null,
  };
}

/**
 * The message id a delivery receipt (deliver_sm or data_sm) is about: the receipted_message_id
 * TLV, else the `id:` field of the receipt text (SMPP 3.4 Appendix B).
 */
export function readReceiptMessageId(pdu: PDU): string | undefined {
  const tlv = pdu.receipted_message_id;
  if (typeof tlv === 'string' && tlv.length > 0) return tlv;
  const dataCoding = typeof pdu.data_coding === 'number' ? pdu.data_coding : 0;
  const text = textOf(pdu.short_message, dataCoding) || textOf(pdu.message_payload, dataCoding);
  return /(?:^|\s)id:(\S+)/i.exec(text)?.[1];
}
