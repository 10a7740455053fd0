import type { ChannelKind } from '../domain/channel-kind.js';
import type { CustomerLanguage } from '../automation/language.js';

/** How the rating is asked for on each kind of channel. */
export type CsatMode = 'link' | 'reply' | 'buttons';

export function csatModeOf(kind: ChannelKind): CsatMode | null {
  if (kind === 'email') return 'link';
  if (kind === 'webchat') return 'buttons';
  if (kind === 'whatsapp' || kind === 'telegram' || kind === 'sms' || kind === 'messenger') return 'reply';
  return null; // a voice call has nothing to answer on
}

const REQUEST: Record<CustomerLanguage, Record<CsatMode, (n: number, link: string) => string>> = {
  pt: {
    link: (n, link) => `O seu pedido #${n} foi resolvido. Como avalia o nosso atendimento? Responda com um clique (de 1 a 5):\n${link}`,
    reply: (n) => `O seu pedido #${n} foi resolvido. Como avalia o nosso atendimento? Responda com um número de 1 (mau) a 5 (excelente), e um comentário se quiser.`,
    buttons: (n) => `O seu pedido #${n} foi resolvido. Como avalia o nosso atendimento?`,
  },
  es: {
    link: (n, link) => `Su solicitud #${n} fue resuelta. ¿Cómo valora nuestra atención? Responda con un clic (de 1 a 5):\n${link}`,
    reply: (n) => `Su solicitud #${n} fue resuelta. ¿Cómo valora nuestra atención? Responda con un número del 1 (malo) al 5 (excelente), y un comentario si lo desea.`,
    buttons: (n) => `Su solicitud #${n} fue resuelta. ¿Cómo valora nuestra atención?`,
  },
  en: {
    link: (n, link) => `Your request #${n} was solved. How would you rate our help? Answer in one click (1 to 5):\n${link}`,
    reply: (n) => `Your request #${n} was solved. How would you rate our help? Reply with a number from 1 (poor) to 5 (excellent), and a comment if you like.`,
    buttons: (n) => `Your request #${n} was solved. How would you rate our help?`,
  },
};

export function csatRequestText(lang: CustomerLanguage, mode: CsatMode, ticketNumber: number, link: string): string {
  return REQUEST[lang][mode](ticketNumber, link);
}
