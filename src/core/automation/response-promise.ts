import type { CustomerLanguage } from './language.js';

/**
 * "We will answer within 40 minutes" / "by 14:30" / "by Monday 09:00", from the first-response due time the
 * ticket stores (whatever engine computed it: business hours included), in the customer's language and the
 * organisation's time zone. Null due time: a promise without a time.
 */
export function responsePromise(due: Date | undefined, now: Date, lang: CustomerLanguage, timeZone: string): string {
  const T = TEXTS[lang];
  if (!due) return T.asap;
  const minutes = Math.max(1, Math.ceil((due.getTime() - now.getTime()) / 60_000));
  if (due.getTime() <= now.getTime()) return T.asap;
  if (minutes <= 90) return T.within(minutes);
  const locale = LOCALES[lang];
  const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  const time = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', hour12: false }).format(due);
  if (day(due) === day(now)) return T.today(time);
  const dayDiff = Math.round((Date.parse(day(due)) - Date.parse(day(now))) / 86_400_000);
  const when = dayDiff < 7 ? new Intl.DateTimeFormat(locale, { timeZone, weekday: 'long' }).format(due) : new Intl.DateTimeFormat(locale, { timeZone, day: 'numeric', month: 'long' }).format(due);
  return dayDiff === 1 ? T.tomorrow(time) : T.later(when, time);
}

const LOCALES: Record<CustomerLanguage, string> = { pt: 'pt-BR', es: 'es-ES', en: 'en-GB' };

const TEXTS: Record<CustomerLanguage, { asap: string; within(m: number): string; today(t: string): string; tomorrow(t: string): string; later(d: string, t: string): string }> = {
  pt: {
    asap: 'Responderemos o mais breve possível.',
    within: (m) => `Responderemos em até ${m} minutos.`,
    today: (t) => `Responderemos até às ${t} de hoje.`,
    tomorrow: (t) => `Responderemos até amanhã às ${t}.`,
    later: (d, t) => `Responderemos até ${d}, às ${t}.`,
  },
  es: {
    asap: 'Le responderemos lo antes posible.',
    within: (m) => `Le responderemos en un máximo de ${m} minutos.`,
    today: (t) => `Le responderemos hoy antes de las ${t}.`,
    tomorrow: (t) => `Le responderemos mañana antes de las ${t}.`,
    later: (d, t) => `Le responderemos antes del ${d}, a las ${t}.`,
  },
  en: {
    asap: 'We will answer as soon as possible.',
    within: (m) => `We will answer within ${m} minutes.`,
    today: (t) => `We will answer by ${t} today.`,
    tomorrow: (t) => `We will answer by ${t} tomorrow.`,
    later: (d, t) => `We will answer by ${d}, ${t}.`,
  },
};
