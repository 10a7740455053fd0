/** Name and phone numbers of a shared contact card (vCard 3.0 as WhatsApp sends it). */
export interface CardSummary {
  name: string | undefined;
  phones: string[];
}

export function summariseVCard(card: string): CardSummary {
  // Folded lines (RFC 6350 §3.2) are joined first.
  const lines = card.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  let name: string | undefined;
  const phones: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const head = line.slice(0, colon).toUpperCase();
    const value = line.slice(colon + 1).trim();
    if (head === 'FN' || head.startsWith('FN;')) name = value || name;
    else if (head === 'TEL' || head.startsWith('TEL;') || /^ITEM\d+\.TEL/.test(head)) phones.push(value);
  }
  return { name, phones };
}

export function describeVCard(card: string): string {
  const { name, phones } = summariseVCard(card);
  return `Contact: ${name ?? 'unnamed'}${phones.length ? ` (${phones.join(', ')})` : ''}`;
}
