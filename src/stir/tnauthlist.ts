/**
 * The TNAuthList certificate extension (RFC 8226, OID 1.3.6.1.5.5.7.1.26): what telephone numbers a
 * STIR certificate may sign for. SHAKEN certificates carry the service provider code (SPC) of the
 * operator; certificates for number ranges or single numbers carry those instead.
 *
 *   TNAuthorizationList ::= SEQUENCE SIZE (1..MAX) OF TNEntry           -- EXPLICIT TAGS
 *   TNEntry ::= CHOICE { spc [0] ServiceProviderCode, range [1] TelephoneNumberRange, one [2] TelephoneNumber }
 *   TelephoneNumberRange ::= SEQUENCE { start TelephoneNumber, count INTEGER (2..MAX), ... }
 */
import * as asn1js from 'asn1js';

export const TN_AUTH_LIST_OID = '1.3.6.1.5.5.7.1.26';

export type TnEntry = { spc: string } | { range: { start: string; count: number } } | { one: string };

const CONTEXT = 3;

const tagged = (tagNumber: number, value: asn1js.BaseBlock) =>
  new asn1js.Constructed({ idBlock: { tagClass: CONTEXT, tagNumber }, value: [value] });

/** DER of a TNAuthList with the given entries. */
export function encodeTnAuthList(entries: TnEntry[]): ArrayBuffer {
  if (entries.length === 0) throw new Error('a TNAuthList has at least one entry');
  const value = entries.map((entry) => {
    if ('spc' in entry) return tagged(0, new asn1js.IA5String({ value: entry.spc }));
    if ('one' in entry) return tagged(2, new asn1js.IA5String({ value: entry.one }));
    return tagged(
      1,
      new asn1js.Sequence({
        value: [new asn1js.IA5String({ value: entry.range.start }), new asn1js.Integer({ value: entry.range.count })],
      }),
    );
  });
  return new asn1js.Sequence({ value }).toBER(false);
}

function ia5(block: asn1js.AsnType | undefined): string | null {
  return block instanceof asn1js.IA5String ? block.valueBlock.value : null;
}

/** The entries of a TNAuthList, or null when the DER is not one. */
export function decodeTnAuthList(der: ArrayBuffer | Uint8Array): TnEntry[] | null {
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) return null;
  const entries: TnEntry[] = [];
  for (const item of parsed.result.valueBlock.value) {
    if (item.idBlock.tagClass !== CONTEXT || !(item instanceof asn1js.Constructed)) return null;
    const inner = item.valueBlock.value[0];
    if (item.idBlock.tagNumber === 0) {
      const spc = ia5(inner);
      if (spc === null) return null;
      entries.push({ spc });
    } else if (item.idBlock.tagNumber === 2) {
      const one = ia5(inner);
      if (one === null) return null;
      entries.push({ one });
    } else if (item.idBlock.tagNumber === 1 && inner instanceof asn1js.Sequence) {
      const start = ia5(inner.valueBlock.value[0]);
      const count = inner.valueBlock.value[1];
      if (start === null || !(count instanceof asn1js.Integer)) return null;
      entries.push({ range: { start, count: count.valueBlock.valueDec } });
    } else return null;
  }
  return entries.length > 0 ? entries : null;
}

/**
 * True when the entries authorise the telephone number (digits only). An SPC entry authorises any
 * number of its provider; whether the provider really serves the number is the relying party's check.
 */
export function authorises(entries: TnEntry[], tn: string, knownSpc: (spc: string) => boolean): boolean {
  for (const entry of entries) {
    if ('spc' in entry) {
      if (knownSpc(entry.spc)) return true;
    } else if ('one' in entry) {
      if (entry.one === tn) return true;
    } else {
      const { start, count } = entry.range;
      // Numbers of a range have the length of its start; compare as integers of that length.
      if (tn.length === start.length) {
        const offset = BigInt(tn) - BigInt(start);
        if (offset >= 0n && offset < BigInt(count)) return true;
      }
    }
  }
  return false;
}

/** The first SPC of the entries, if any. */
export const spcOf = (entries: TnEntry[]): string | undefined =>
  entries.find((e): e is { spc: string } => 'spc' in e)?.spc;
