/**
 * CSV for spreadsheets: UTF-8 with a byte-order mark (Excel then reads accents right), `;` between
 * fields (the separator Excel expects where the decimal mark is a comma, as in PT and ES), numbers
 * unlocalised (`12.5`), every field that holds `;`, a quote or a line break quoted with quotes doubled.
 * Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) is prefixed with `'`.
 */
export type Cell = string | number | null;

const BOM = '\uFEFF';

function field(v: Cell): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[;"\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return BOM + [header, ...rows].map((r) => r.map(field).join(';')).join('\r\n') + '\r\n';
}
