/**
 * Fills `{{contact.name}}`, `{{ticket.number}}`, `{{agent.name}}` (and any other
 * dotted key given) in a canned response. Pure: used by the server and the console.
 *
 * `unresolved: 'keep'` (the default) leaves a variable without a value as typed, so an agent inserting a
 * response sees what did not resolve and fixes it before sending. `'empty'` drops it: for text that goes to
 * a customer with nobody reading it first. Done in the same single pass, so a value that itself contains
 * `{{…}}` (a customer named so) is never expanded nor cut.
 */
export type TemplateVars = Record<string, string | number | null | undefined>;

/** `{{ contact.name }}`: a dotted variable name in double braces (group 1: the name). */
export const TEMPLATE_VARIABLE = /\{\{\s*([a-zA-Z][\w]*(?:\.[a-zA-Z][\w]*)*)\s*\}\}/g;

export function renderTemplate(body: string, vars: TemplateVars, opts: { unresolved?: 'keep' | 'empty' } = {}): string {
  return body.replace(TEMPLATE_VARIABLE, (whole, key: string) => {
    const v = Object.hasOwn(vars, key) ? vars[key] : undefined;
    if (v === undefined || v === null || v === '') return opts.unresolved === 'empty' ? '' : whole;
    return String(v);
  });
}

/** The first name is what a customer is greeted by: "Ana" from "Ana Souza". */
export const firstName = (name: string | null | undefined) => (name ?? '').trim().split(/\s+/)[0] ?? '';
