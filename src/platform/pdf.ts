/**
 * The start every PDF of the platform shares (case summaries, monthly reports): an A4 document
 * buffered in memory, fonts that carry Cyrillic and Kazakh letters (DejaVu from Debian's
 * fonts-dejavu-core, Helvetica when absent), and the page geometry the writers lay text out by.
 */
import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';

const fontCandidates = [
  ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'],
  ['/usr/share/fonts/TTF/DejaVuSans.ttf', '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf'],
];

export interface PdfPage {
  doc: PDFKit.PDFDocument;
  /** Resolves to the whole file once `doc.end()` is called. */
  done: Promise<Buffer>;
  /** Font names to pass to `doc.font()`. */
  regular: string;
  bold: string;
  left: number;
  width: number;
  /** The lowest y text may reach on the current page. */
  bottom(): number;
  /**
   * A section heading underlined across the page, on a new page when less than `room` points are
   * left; the body font follows it.
   */
  heading(text: string, options: { fontSize: number; room: number }): void;
}

export function startPdf(info: { Title: string; Subject: string }): PdfPage {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    bufferPages: true,
    info: { ...info, Author: 'callshield' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const fonts = fontCandidates.find(([regular]) => existsSync(regular));
  if (fonts) {
    doc.registerFont('body', fonts[0]);
    doc.registerFont('bold', existsSync(fonts[1]) ? fonts[1] : fonts[0]);
  }
  const regular = fonts ? 'body' : 'Helvetica';
  const bold = fonts ? 'bold' : 'Helvetica-Bold';
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  return {
    doc,
    done,
    regular,
    bold,
    left,
    width,
    bottom,
    heading(text, { fontSize, room }) {
      if (doc.y + room > bottom()) doc.addPage();
      doc.moveDown(0.6).font(bold).fontSize(fontSize).fillColor('#10233f').text(text, left, doc.y, { width });
      doc
        .moveTo(left, doc.y + 2)
        .lineTo(left + width, doc.y + 2)
        .lineWidth(0.6)
        .strokeColor('#b8c4d6')
        .stroke();
      doc.moveDown(0.5).font(regular).fontSize(9.5).fillColor('#1b1f24');
    },
  };
}
