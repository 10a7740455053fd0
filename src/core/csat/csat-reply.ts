/**
 * A chat customer's answer to "reply 1 to 5": the digit first, alone or followed by a separator and a
 * comment ("5", "4 - quick and kind", "3/5 slow", "5!"). Anything else ("50 euros", "thanks, 5 stars",
 * "6") is a normal message. Asked right before, a reply that starts with a lone 1–5 is taken as the rating.
 */
const RATING = /^\s*([1-5])(?:\s*(?:\/\s*5|de 5|of 5))?(?:\s*(?:[-–—.,:;!)]|\s)\s*(?![\d])([\s\S]*)|\s*)$/u;

export function parseRatingReply(text: string): { rating: number; comment: string | null } | null {
  const m = RATING.exec(text);
  if (!m) return null;
  const comment = (m[2] ?? '').trim();
  return { rating: Number(m[1]), comment: comment ? comment.slice(0, 2_000) : null };
}
