import { getLang } from './i18n.ts';

/** Texts of the ticket search and ticket-list additions, kept apart from i18n.ts so areas merge without conflicts. */
const en = {
  searchTickets: 'Search tickets, contacts, messages…',
  searchResults: 'Search results for “{q}” (all statuses)',
  searchNone: 'No ticket matches “{q}”.',
  searchPartial: 'Showing the newest matches; type more to narrow.',
  clearSearch: 'Clear search',
  ticketType: 'Type',
  ticketTypeNone: 'No type',
  type_question: 'Question',
  type_incident: 'Incident',
  type_problem: 'Problem',
  type_task: 'Task',
  snoozedView: 'Snoozed',
  reason_reference: 'Reply to our message',
  reason_subjectToken: '[#{number}] in the subject, from a participant',
  reason_quoted: 'Quotes a message of this ticket',
  reason_conversation: 'Same conversation',
  reason_new: 'New conversation',
  reason_reopened: 'reopened',
  reason_followUp: 'follow-up of a closed ticket',
  mergeQuestion: 'Merge #{from} into #{to} “{subject}”? #{from} is closed; both histories are kept.',
  mergeDifferentCustomers: 'These tickets belong to different customers: {a} and {b}.',
  mergeConfirm: 'Merge',
  mergeCancel: 'Cancel',
  mergeNotFound: 'No ticket #{number} you can see.',
  mergeSelf: 'A ticket cannot be merged into itself.',
};
type Key = keyof typeof en;

const pt: Record<Key, string> = {
  searchTickets: 'Buscar tickets, contatos, mensagens…',
  searchResults: 'Resultados para “{q}” (todos os status)',
  searchNone: 'Nenhum ticket corresponde a “{q}”.',
  searchPartial: 'Mostrando as correspondências mais recentes; digite mais para refinar.',
  clearSearch: 'Limpar busca',
  ticketType: 'Tipo',
  ticketTypeNone: 'Sem tipo',
  type_question: 'Dúvida',
  type_incident: 'Incidente',
  type_problem: 'Problema',
  type_task: 'Tarefa',
  snoozedView: 'Adiados',
  reason_reference: 'Resposta à nossa mensagem',
  reason_subjectToken: '[#{number}] no assunto, de um participante',
  reason_quoted: 'Cita uma mensagem deste ticket',
  reason_conversation: 'Mesma conversa',
  reason_new: 'Nova conversa',
  reason_reopened: 'reaberto',
  reason_followUp: 'continuação de um ticket fechado',
  mergeQuestion: 'Mesclar #{from} em #{to} “{subject}”? #{from} será fechado; os dois históricos são mantidos.',
  mergeDifferentCustomers: 'Estes tickets são de clientes diferentes: {a} e {b}.',
  mergeConfirm: 'Mesclar',
  mergeCancel: 'Cancelar',
  mergeNotFound: 'Nenhum ticket #{number} visível para você.',
  mergeSelf: 'Um ticket não pode ser mesclado nele mesmo.',
};

const es: Record<Key, string> = {
  searchTickets: 'Buscar tickets, contactos, mensajes…',
  searchResults: 'Resultados para «{q}» (todos los estados)',
  searchNone: 'Ningún ticket coincide con «{q}».',
  searchPartial: 'Se muestran las coincidencias más recientes; escriba más para afinar.',
  clearSearch: 'Borrar búsqueda',
  ticketType: 'Tipo',
  ticketTypeNone: 'Sin tipo',
  type_question: 'Pregunta',
  type_incident: 'Incidente',
  type_problem: 'Problema',
  type_task: 'Tarea',
  snoozedView: 'Pospuestos',
  reason_reference: 'Respuesta a nuestro mensaje',
  reason_subjectToken: '[#{number}] en el asunto, de un participante',
  reason_quoted: 'Cita un mensaje de este ticket',
  reason_conversation: 'Misma conversación',
  reason_new: 'Conversación nueva',
  reason_reopened: 'reabierto',
  reason_followUp: 'continuación de un ticket cerrado',
  mergeQuestion: '¿Fusionar #{from} en #{to} «{subject}»? #{from} se cierra; se conservan ambos historiales.',
  mergeDifferentCustomers: 'Estos tickets son de clientes distintos: {a} y {b}.',
  mergeConfirm: 'Fusionar',
  mergeCancel: 'Cancelar',
  mergeNotFound: 'Ningún ticket #{number} visible para usted.',
  mergeSelf: 'Un ticket no puede fusionarse consigo mismo.',
};

const dictionaries: Record<string, Record<Key, string>> = { en, pt, es };

export function tt(key: Key, vars: Record<string, string | number> = {}): string {
  const text = dictionaries[getLang()]?.[key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => (vars[k] !== undefined ? String(vars[k]) : `{${k}}`));
}
