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
  const left = doc.page.margins.left;
  return {
    doc,
    done,
    regular: fonts ? 'body' : 'Helvetica',
    bold: fonts ? 'bold' : 'Helvetica-Bold',
    left,
    width: doc.page.width - left - doc.page.margins.right,
    bottom: () => doc.page.height - doc.page.margins.bottom,
  };
}
