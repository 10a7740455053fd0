/**
 * Text as keyword matching sees it: accents removed (ação → acao, señal →
 * senal), lower-case, every run of non-letters/digits one space, padded with
 * spaces so a keyword matches whole words only (`pago` is not in `pagoda`).
 */
export function normalizeText(text: string): string {
  const plain = text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return ` ${plain} `;
}

/** Whether any keyword (a word or phrase) occurs in the text as whole words. */
export function containsKeyword(text: string, keywords: readonly string[]): boolean {
  const haystack = normalizeText(text);
  return keywords.some((k) => {
    const needle = normalizeText(k);
    return needle.trim() !== '' && haystack.includes(needle);
  });
}
