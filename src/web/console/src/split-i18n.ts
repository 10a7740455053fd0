import { getLang } from './i18n.ts';

/** Texts of "Move messages" (split), kept apart from i18n.ts so areas merge without conflicts. */
const en = {
  splitStart: 'Move messages…',
  splitHint: 'Tick the messages to move (notes too).',
  splitSelected: '{count} selected',
  splitToNew: 'Move to a new ticket',
  splitToTicketHint: 'or to ticket #…',
  splitFind: 'Find',
  splitCancel: 'Cancel',
  splitConfirm: 'Move',
  splitQuestionNew: 'Move {count} message(s) from #{from} to a new ticket?',
  splitQuestionTo: 'Move {count} message(s) from #{from} to #{to} “{subject}”?',
  splitConversationNote: 'A customer whose every message moves writes to the new place from now on.',
  splitDifferentCustomers: 'Ticket #{to} belongs to another customer: {b} (this one: {a}).',
  splitNotFound: 'No open ticket #{number} you can see.',
  splitSelf: 'The messages are already in this ticket.',
  splitDone: '{count} message(s) moved to #{number}',
  selectMessage: 'Select this message',
  au_split_out: '{actor} moved {count} message(s) to #{number}',
  au_split_in: '{actor} moved {count} message(s) here from #{number}',
  au_created_split: 'Ticket created from messages of #{number}',
};
type Key = keyof typeof en;

const pt: Record<Key, string> = {
  splitStart: 'Mover mensagens…',
  splitHint: 'Marque as mensagens a mover (notas também).',
  splitSelected: '{count} selecionada(s)',
  splitToNew: 'Mover para um novo ticket',
  splitToTicketHint: 'ou para o ticket #…',
  splitFind: 'Buscar',
  splitCancel: 'Cancelar',
  splitConfirm: 'Mover',
  splitQuestionNew: 'Mover {count} mensagem(ns) de #{from} para um novo ticket?',
  splitQuestionTo: 'Mover {count} mensagem(ns) de #{from} para #{to} “{subject}”?',
  splitConversationNote: 'Um cliente cujas mensagens saem todas passa a escrever para o novo lugar.',
  splitDifferentCustomers: 'O ticket #{to} é de outro cliente: {b} (este: {a}).',
  splitNotFound: 'Nenhum ticket aberto #{number} visível para você.',
  splitSelf: 'As mensagens já estão neste ticket.',
  splitDone: '{count} mensagem(ns) movida(s) para #{number}',
  selectMessage: 'Selecionar esta mensagem',
  au_split_out: '{actor} moveu {count} mensagem(ns) para #{number}',
  au_split_in: '{actor} moveu {count} mensagem(ns) de #{number} para cá',
  au_created_split: 'Ticket criado com mensagens de #{number}',
};

const es: Record<Key, string> = {
  splitStart: 'Mover mensajes…',
  splitHint: 'Marque los mensajes que se moverán (notas también).',
  splitSelected: '{count} seleccionado(s)',
  splitToNew: 'Mover a un ticket nuevo',
  splitToTicketHint: 'o al ticket #…',
  splitFind: 'Buscar',
  splitCancel: 'Cancelar',
  splitConfirm: 'Mover',
  splitQuestionNew: '¿Mover {count} mensaje(s) de #{from} a un ticket nuevo?',
  splitQuestionTo: '¿Mover {count} mensaje(s) de #{from} a #{to} «{subject}»?',
  splitConversationNote: 'Un cliente cuyos mensajes salen todos escribe al nuevo lugar desde ahora.',
  splitDifferentCustomers: 'El ticket #{to} es de otro cliente: {b} (este: {a}).',
  splitNotFound: 'Ningún ticket abierto #{number} visible para usted.',
  splitSelf: 'Los mensajes ya están en este ticket.',
  splitDone: '{count} mensaje(s) movido(s) a #{number}',
  selectMessage: 'Seleccionar este mensaje',
  au_split_out: '{actor} movió {count} mensaje(s) a #{number}',
  au_split_in: '{actor} movió {count} mensaje(s) aquí desde #{number}',
  au_created_split: 'Ticket creado con mensajes de #{number}',
};

const dictionaries: Record<string, Record<Key, string>> = { en, pt, es };

export function st(key: Key, vars: Record<string, string | number> = {}): string {
  const text = dictionaries[getLang()]?.[key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => (vars[k] !== undefined ? String(vars[k]) : `{${k}}`));
}
