/**
 * Splits a plain-text reply into what the customer just wrote and the quoted
 * history, so the console can show the new part and fold the rest. The full
 * text is never thrown away: `fullText` is the input, unchanged.
 *
 * Recognised (PT/ES/EN, with a few FR/DE/IT variants that cost nothing):
 *  - attribution lines: Gmail `On Mon, 6 Jan 2025 at 10:00, Ana <a@x> wrote:`,
 *    `Em seg., 6 de jan. de 2025 às 10:00, Ana escreveu:`, `El lun, 6 ene 2025 a las 10:00, Ana escribió:`;
 *    Apple Mail `On 6 Jan 2025, at 10:00, Ana wrote:`; Thunderbird `On 06/01/2025 10:00, Ana wrote:`
 *    (also wrapped over up to three lines);
 *  - Outlook: `-----Original Message-----` / `-----Mensagem original-----` / `-----Mensaje original-----`,
 *    a `____` rule, or a `From:/De:` header block with `Sent:/Enviado:/Enviado el:/Date:/Fecha:` and `To:/Para:/Subject:/Assunto:/Asunto:`;
 *  - `>`-quoted blocks at the end (top posting) or at the start (bottom posting).
 * Answers written between the `>` lines of a quote ("see my answers below") are new text: nothing is folded.
 * Forwarded messages (`---------- Forwarded message ---------`, `Begin forwarded message:`,
 * `Mensagem encaminhada`, `Mensaje reenviado`) are content, never folded.
 */

export type QuoteStyle = 'attribution' | 'outlook-separator' | 'outlook-header' | 'quote-marker' | 'none';

export interface FoldedText {
  /** What is new in this message (the whole text when nothing is quoted). */
  newText: string;
  /** The quoted history ('' when none). */
  quotedText: string;
  /** The input, unchanged. */
  fullText: string;
  style: QuoteStyle;
}

const ATTRIBUTION_START = /^\s*(>\s*)?(on|em|el|le|am|il)\s/i;
const ATTRIBUTION_END = /\b(wrote|escreveu|escribió|escribio|a écrit|schrieb|ha scritto)\s*:\s*$/i;
const OUTLOOK_SEPARATOR =
  /^\s*-{2,}\s*(original message|mensagem original|mensaje original|message d'origine|ursprüngliche nachricht|messaggio originale)\s*-{2,}\s*$/i;
const UNDERSCORE_RULE = /^\s*_{10,}\s*$/;
const HEADER_FROM = /^\s*\*?(from|de|von|da)\s*:\*?\s*\S/i;
const HEADER_DATE = /^\s*\*?(sent|date|enviado(\s+el)?|enviada(\s+em)?|data|fecha|gesendet|inviato)\s*:/i;
const HEADER_OTHER = /^\s*\*?(to|para|an|a|cc|subject|assunto|asunto|betreff|oggetto|objet)\s*:/i;
const FORWARD_MARKER =
  /^\s*(-{3,}\s*(forwarded message|mensagem encaminhada|mensaje reenviado|message transféré|weitergeleitete nachricht)\s*-{3,}|begin forwarded message:|início da mensagem encaminhada:|inicio del mensaje reenviado:)\s*$/i;
const QUOTED = /^\s*>/;

function isAttributionAt(lines: string[], i: number): number {
  const first = lines[i] ?? '';
  if (!ATTRIBUTION_START.test(first)) return 0;
  let joined = '';
  for (let n = 0; n < 3 && i + n < lines.length; n += 1) {
    joined = n === 0 ? first.trim() : `${joined} ${(lines[i + n] ?? '').trim()}`;
    if (joined.length > 400) return 0;
    if (ATTRIBUTION_END.test(joined)) return /\d/.test(joined) ? n + 1 : 0;
  }
  return 0;
}

function isOutlookHeaderAt(lines: string[], i: number): boolean {
  if (!HEADER_FROM.test(lines[i] ?? '')) return false;
  let date = false;
  let other = false;
  for (let n = 1; n <= 5 && i + n < lines.length; n += 1) {
    const l = lines[i + n] ?? '';
    if (HEADER_DATE.test(l)) date = true;
    else if (HEADER_OTHER.test(l)) other = true;
    else if (l.trim() !== '') break;
  }
  return date && other;
}

/** First line of the quoted history in a top-posted reply, with its style. */
function findQuoteStart(lines: string[]): { index: number; style: QuoteStyle; attributionLines?: number } | undefined {
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (FORWARD_MARKER.test(line)) return undefined;
    const attr = isAttributionAt(lines, i);
    if (attr) return { index: i, style: 'attribution', attributionLines: attr };
    if (OUTLOOK_SEPARATOR.test(line)) return { index: i, style: 'outlook-separator' };
    if (UNDERSCORE_RULE.test(line)) {
      const next = lines.findIndex((l, j) => j > i && l.trim() !== '');
      if (next > 0 && next <= i + 2 && isOutlookHeaderAt(lines, next)) return { index: i, style: 'outlook-header' };
    }
    if (isOutlookHeaderAt(lines, i)) return { index: i, style: 'outlook-header' };
  }
  return undefined;
}

/** Index just past a run of `>`-quoted (and blank) lines starting at `from`. */
function endOfQuotedRun(lines: string[], from: number): number {
  let end = from;
  let j = from;
  while (j < lines.length && (QUOTED.test(lines[j] ?? '') || (lines[j] ?? '').trim() === '')) {
    if (QUOTED.test(lines[j] ?? '')) end = j + 1;
    j += 1;
  }
  return end;
}

/** An unquoted line between two `>`-quoted lines after `from`: someone answered inside the quote. */
function hasInlineAnswers(lines: string[], from: number): boolean {
  let quoted = false;
  let answered = false;
  for (let i = from; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (QUOTED.test(line)) {
      if (answered) return true;
      quoted = true;
    } else if (quoted && line.trim() !== '') answered = true;
  }
  return false;
}

const join = (lines: string[]): string => lines.join('\n').replace(/^\s*\n/, '').trimEnd();

export function foldQuotedText(text: string): FoldedText {
  const fullText = text;
  const none: FoldedText = { newText: text, quotedText: '', fullText, style: 'none' };
  if (!text) return none;
  const lines = text.replace(/\r\n?/g, '\n').split('\n');

  const start = findQuoteStart(lines);
  if (start) {
    const before = join(lines.slice(0, start.index));
    // "See my answers below": the answers sit between the `>` lines of the quote and are the new text.
    if (start.style === 'attribution' && hasInlineAnswers(lines, start.index + (start.attributionLines ?? 1))) return none;
    if (before.trim()) {
      return { newText: before, quotedText: join(lines.slice(start.index)).trim(), fullText, style: start.style };
    }
    // Bottom posting: attribution + `>` block first, the answer below it.
    if (start.style === 'attribution') {
      const end = endOfQuotedRun(lines, start.index + (start.attributionLines ?? 1));
      const after = join(lines.slice(end));
      if (after.trim() && end > start.index + (start.attributionLines ?? 1)) {
        return { newText: after, quotedText: join(lines.slice(start.index, end)).trim(), fullText, style: 'attribution' };
      }
    }
    return none;
  }

  // No header: a trailing `>` block (top posting), possibly after a short "X wrote:" line.
  let last = lines.length - 1;
  while (last >= 0 && (lines[last] ?? '').trim() === '') last -= 1;
  if (last >= 0 && QUOTED.test(lines[last] ?? '')) {
    let first = last;
    while (first > 0 && (QUOTED.test(lines[first - 1] ?? '') || (lines[first - 1] ?? '').trim() === '')) first -= 1;
    while (first <= last && (lines[first] ?? '').trim() === '') first += 1;
    let prev = first - 1;
    while (prev >= 0 && (lines[prev] ?? '').trim() === '') prev -= 1;
    if (prev >= 0 && /:\s*$/.test(lines[prev] ?? '') && (lines[prev] ?? '').length <= 200) first = prev;
    const before = join(lines.slice(0, first));
    if (before.trim()) return { newText: before, quotedText: join(lines.slice(first)).trim(), fullText, style: 'quote-marker' };
  }
  // Bottom posting without attribution: a leading `>` block.
  const firstLine = lines.findIndex((l) => l.trim() !== '');
  if (firstLine >= 0 && QUOTED.test(lines[firstLine] ?? '')) {
    const end = endOfQuotedRun(lines, firstLine);
    const after = join(lines.slice(end));
    if (after.trim() && !lines.slice(end).some((l) => QUOTED.test(l))) {
      return { newText: after, quotedText: join(lines.slice(firstLine, end)).trim(), fullText, style: 'quote-marker' };
    }
  }
  return none;
}
