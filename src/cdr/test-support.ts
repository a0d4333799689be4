/** CDR files for tests, written line by line. */

export const CDR_HEADER =
  'record_id,operator,event,direction,msisdn,other_party,imsi,imei,cell_id,started_at,duration_s,answered,bytes,route';

/** CSV rows readable by eye: times are minutes after 2025-03-03 08:00 Almaty time. */
export class CdrLines {
  readonly lines = [CDR_HEADER];
  private id: number;
  private readonly operator: string;

  constructor(operator: string, firstId = 1) {
    this.operator = operator;
    this.id = firstId - 1;
  }

  static at(minutes: number): string {
    const t = new Date(Date.UTC(2025, 2, 3, 8, 0) + minutes * 60_000);
    return `${t.toISOString().slice(0, 19)}+05:00`;
  }

  voice(
    msisdn: string,
    direction: 'out' | 'in',
    other: string,
    minutes: number,
    seconds: number,
    cell: string,
    extra: { imei?: string; imsi?: string; route?: string; operator?: string } = {},
  ): this {
    this.lines.push(
      `${this.operator}-${++this.id},${extra.operator ?? this.operator},voice,${direction},${msisdn},${other},` +
        `${extra.imsi ?? ''},${extra.imei ?? ''},${cell},${CdrLines.at(minutes)},${seconds},${seconds > 0 ? 1 : 0},,` +
        `${extra.route ?? (direction === 'in' ? 'domestic' : '')}`,
    );
    return this;
  }

  data(msisdn: string, minutes: number, cell: string): this {
    this.lines.push(
      `${this.operator}-${++this.id},${this.operator},data,out,${msisdn},,,,${cell},${CdrLines.at(minutes)},,,500000,`,
    );
    return this;
  }

  sms(msisdn: string, other: string, minutes: number, cell: string): this {
    this.lines.push(
      `${this.operator}-${++this.id},${this.operator},sms,out,${msisdn},${other},,,${cell},${CdrLines.at(minutes)},,,,`,
    );
    return this;
  }

  /** A line as given (to put a bad row in). */
  raw(line: string): this {
    this.lines.push(line);
    return this;
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

/** A Beeline number, different for each i: the callees of the test files. */
export const victim = (i: number) => `+7705${String(1000000 + i * 37).padStart(7, '0')}`;
