import { getLang } from './i18n.ts';

/** Texts of the reply recipient picker (a ticket with merged customers), kept apart so areas merge without conflicts. */
const en = {
  replyTo: 'To',
  wroteLast: 'wrote last',
  mergedFrom: 'from #{number}',
  sentTo: 'To {name}',
  recipientHint: 'This ticket has several customers: each reply goes to the one chosen here.',
};
type Key = keyof typeof en;

const pt: Record<Key, string> = {
  replyTo: 'Para',
  wroteLast: 'escreveu por último',
  mergedFrom: 'de #{number}',
  sentTo: 'Para {name}',
  recipientHint: 'Este ticket tem vários clientes: cada resposta vai para o escolhido aqui.',
};

const es: Record<Key, string> = {
  replyTo: 'Para',
  wroteLast: 'escribió último',
  mergedFrom: 'de #{number}',
  sentTo: 'Para {name}',
  recipientHint: 'Este ticket tiene varios clientes: cada respuesta va al elegido aquí.',
};

const dictionaries: Record<string, Record<Key, string>> = { en, pt, es };

export function rt(key: Key, vars: Record<string, string | number> = {}): string {
  const text = dictionaries[getLang()]?.[key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => (vars[k] !== undefined ? String(vars[k]) : `{${k}}`));
}
