/** The languages customers are written to in (templates, the rating page). */
export const customerLanguages = ['pt', 'es', 'en'] as const;
export type CustomerLanguage = (typeof customerLanguages)[number];

// Frequent short words that tell the three apart in a first message ("olá, não consigo…", "hola, no puedo…").
const MARKERS: Record<CustomerLanguage, RegExp> = {
  pt: /\b(olá|ola|obrigad[oa]|não|nao|você|voce|está|estou|preciso|bom dia|boa tarde|meu|minha|pedido|ajuda|com|uma|por favor)\b/giu,
  es: /\b(hola|gracias|usted|estoy|necesito|buenos|buenas|mi|pedido|ayuda|con|una|por favor|tengo|qué|porque|señor)\b/giu,
  en: /\b(hello|hi|thanks|thank|you|the|my|order|help|please|need|with|is|are|can|not|hey)\b/giu,
};

/** A best guess from a customer's own words; null when nothing tells. */
export function guessLanguage(text: string | undefined): CustomerLanguage | null {
  if (!text) return null;
  let best: CustomerLanguage | null = null;
  let bestScore = 0;
  for (const lang of customerLanguages) {
    const score = text.match(MARKERS[lang])?.length ?? 0;
    if (score > bestScore) [best, bestScore] = [lang, score];
  }
  return best;
}

/** The contact's stored language first, then what their message suggests, then the inbox's default. */
export function languageFor(stored: string | undefined, sample: string | undefined, fallback: CustomerLanguage): CustomerLanguage {
  if (stored && (customerLanguages as readonly string[]).includes(stored.slice(0, 2).toLowerCase())) return stored.slice(0, 2).toLowerCase() as CustomerLanguage;
  return guessLanguage(sample) ?? fallback;
}
