import { renderTemplate, type TemplateVars } from '../canned/render-template.js';
import type { CustomerLanguage } from './language.js';

/** Default texts Ponte writes to customers on its own; each inbox may replace them per language. */
export const DEFAULT_TEMPLATES = {
  pendingReminder: {
    pt: 'Olá{{contact.greeting}}, ainda aguardamos a sua resposta sobre o pedido #{{ticket.number}} ({{ticket.subject}}). Basta responder a esta mensagem para continuarmos.',
    es: 'Hola{{contact.greeting}}, seguimos esperando su respuesta sobre la solicitud #{{ticket.number}} ({{ticket.subject}}). Responda a este mensaje para continuar.',
    en: 'Hello{{contact.greeting}}, we are still waiting for your answer about request #{{ticket.number}} ({{ticket.subject}}). Just reply to this message to continue.',
  },
  autoAck: {
    pt: 'Olá{{contact.greeting}}, recebemos a sua mensagem e abrimos o pedido #{{ticket.number}}. {{sla.promise}}',
    es: 'Hola{{contact.greeting}}, recibimos su mensaje y abrimos la solicitud #{{ticket.number}}. {{sla.promise}}',
    en: 'Hello{{contact.greeting}}, we received your message and opened request #{{ticket.number}}. {{sla.promise}}',
  },
} satisfies Record<string, Record<CustomerLanguage, string>>;

/**
 * Fills a customer-facing template. Unlike a canned reply (where the agent sees and fixes what did not
 * resolve), nobody reads this before it goes: a variable without a value becomes empty text.
 */
export function fillCustomerTemplate(template: string, vars: TemplateVars): string {
  return renderTemplate(template, vars, { unresolved: 'empty' })
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/ +([.,!?])/g, '$1')
    .trim();
}

/** ", Ana" after the greeting word when the first name is known, nothing otherwise. */
export const greetingName = (name: string | null | undefined) => {
  const first = (name ?? '').trim().split(/\s+/)[0] ?? '';
  return first && !first.includes('@') && !/^\+?\d/.test(first) ? `, ${first}` : '';
};
