import { getLang } from './i18n.ts';

/** Texts of a long thread read from its end (older pages on scroll), kept apart from i18n.ts so areas merge without conflicts. */
const en = {
  olderLoading: 'Loading older messages…',
  olderFailed: 'Older messages could not be loaded.',
  olderRetry: 'Try again',
  threadStart: 'Beginning of the conversation',
  newBelowOne: '1 new message',
  newBelowMany: '{n} new messages',
};
type Key = keyof typeof en;

const pt: Record<Key, string> = {
  olderLoading: 'Carregando mensagens anteriores…',
  olderFailed: 'Não foi possível carregar as mensagens anteriores.',
  olderRetry: 'Tentar de novo',
  threadStart: 'Início da conversa',
  newBelowOne: '1 mensagem nova',
  newBelowMany: '{n} mensagens novas',
};

const es: Record<Key, string> = {
  olderLoading: 'Cargando mensajes anteriores…',
  olderFailed: 'No se pudieron cargar los mensajes anteriores.',
  olderRetry: 'Reintentar',
  threadStart: 'Inicio de la conversación',
  newBelowOne: '1 mensaje nuevo',
  newBelowMany: '{n} mensajes nuevos',
};

const dictionaries: Record<string, Record<Key, string>> = { en, pt, es };

export function tt(key: Key): string {
  return dictionaries[getLang()]?.[key] ?? en[key];
}
