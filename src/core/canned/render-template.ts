/**
 * Fills `{{contact.name}}`, `{{ticket.number}}`, `{{agent.name}}` (and any other
 * dotted key given) in a canned response. Unknown variables are left as typed,
 * so the agent sees what did not resolve. Pure: used by the server and the console.
 */
export type TemplateVars = Record<string, string | number | null | undefined>;

export function renderTemplate(body: string, vars: TemplateVars): string {
  return body.replace(/\{\{\s*([a-zA-Z][\w]*(?:\.[a-zA-Z][\w]*)*)\s*\}\}/g, (whole, key: string) => {
    const v = Object.hasOwn(vars, key) ? vars[key] : undefined;
    return v === undefined || v === null || v === '' ? whole : String(v);
  });
}

/** The first name is what a customer is greeted by: "Ana" from "Ana Souza". */
export const firstName = (name: string | null | undefined) => (name ?? '').trim().split(/\s+/)[0] ?? '';
