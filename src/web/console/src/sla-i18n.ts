import { getLang } from './i18n.ts';

/** Texts of the SLA parts of the console, kept apart from i18n.ts so areas merge without conflicts. */
const en = {
  slaPolicy: 'SLA policy: {name}',
  firstResponse: 'First response',
  nextResponse: 'Next response',
  resolution: 'Resolution',
  slaPaused: 'SLA paused (waiting on the customer) since {time}',
  met: 'met',
  warning: 'SLA warning: #{number} {target} due {time}',
  breach: 'SLA breached: #{number} {target} (priority → {priority})',
};
type Key = keyof typeof en;

const pt: Record<Key, string> = {
  slaPolicy: 'Política de SLA: {name}',
  firstResponse: 'Primeira resposta',
  nextResponse: 'Próxima resposta',
  resolution: 'Resolução',
  slaPaused: 'SLA pausado (aguardando o cliente) desde {time}',
  met: 'cumprido',
  warning: 'Alerta de SLA: #{number} {target} vence {time}',
  breach: 'SLA violado: #{number} {target} (prioridade → {priority})',
};

const es: Record<Key, string> = {
  slaPolicy: 'Política de SLA: {name}',
  firstResponse: 'Primera respuesta',
  nextResponse: 'Siguiente respuesta',
  resolution: 'Resolución',
  slaPaused: 'SLA en pausa (esperando al cliente) desde {time}',
  met: 'cumplido',
  warning: 'Aviso de SLA: #{number} {target} vence {time}',
  breach: 'SLA incumplido: #{number} {target} (prioridad → {priority})',
};

const dictionaries: Record<string, Record<Key, string>> = { en, pt, es };

export function st(key: Key, vars: Record<string, string | number> = {}): string {
  const text = dictionaries[getLang()]?.[key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => (vars[k] !== undefined ? String(vars[k]) : `{${k}}`));
}
