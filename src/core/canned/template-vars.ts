import { firstName, TEMPLATE_VARIABLE, type TemplateVars } from './render-template.js';

/** A "name" that is really a phone number or an address (a contact nobody named): nobody is greeted by it. */
const notAName = (s: string) => s.includes('@') || /^\+?\d/.test(s);

/**
 * The variables a canned response may use when the server sends it (a routing rule's auto-reply, a macro's
 * reply): the same keys the canned-responses page offers and the composer fills, so a response written there
 * reads the same whichever way it goes out (the console's composer fills them with this too). `contact.firstName` is the older spelling, still filled.
 */
export function cannedVars(p: {
  contact: { name?: string | null; email?: string | null } | null | undefined;
  ticket: { number: number; subject?: string | null; replyTo: { displayName?: string | null; email?: string | null } };
  agent?: { name: string } | undefined;
}): TemplateVars {
  const name = (p.contact?.name ?? p.ticket.replyTo.displayName ?? '').trim();
  const first = firstName(name);
  const contactFirst = first && !notAName(first) ? first : '';
  const agentFirst = firstName(p.agent?.name);
  return {
    'contact.name': name,
    'contact.first_name': contactFirst,
    'contact.firstName': contactFirst,
    'contact.email': p.contact?.email ?? p.ticket.replyTo.email ?? '',
    'ticket.number': p.ticket.number,
    'ticket.subject': p.ticket.subject ?? '',
    'agent.name': p.agent?.name ?? '',
    'agent.first_name': agentFirst,
  };
}

/** Every variable `cannedVars` fills. */
export const CANNED_VARIABLES = ['contact.name', 'contact.first_name', 'contact.firstName', 'contact.email', 'ticket.number', 'ticket.subject', 'agent.name', 'agent.first_name'] as const;

/** The `{{…}}` names in a text that `cannedVars` does not fill (a typo an admin should hear about). */
export function unknownVariables(body: string): string[] {
  const known = new Set<string>(CANNED_VARIABLES);
  const names = [...body.matchAll(TEMPLATE_VARIABLE)].map((m) => m[1]!);
  return [...new Set(names.filter((n) => !known.has(n)))];
}
