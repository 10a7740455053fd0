/** Characters of the newest message kept on the ticket for the ticket list (one line in the console). */
const PREVIEW_LENGTH = 140;

/**
 * The ticket list's preview of a message: whitespace folded to single spaces, cut at PREVIEW_LENGTH; a
 * message with no text but files shows the first file's name.
 */
export function messagePreview(text: string, attachments: ReadonlyArray<{ fileName?: string }> = []): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (!flat) return attachments[0]?.fileName ? `📎 ${attachments[0].fileName}` : '';
  return flat.length > PREVIEW_LENGTH ? `${flat.slice(0, PREVIEW_LENGTH - 1)}…` : flat;
}
