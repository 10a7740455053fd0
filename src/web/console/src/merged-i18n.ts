import { getLang } from './i18n.ts';

/** Texts of a merged ticket's banner, kept apart from i18n.ts so areas merge without conflicts. */
const en = {
  mergedInto: 'Merged into #{number}',
  mergedIntoUnknown: 'Merged into another ticket',
  mergedOpen: 'Open #{number}',
  mergedOpenUnknown: 'Open that ticket',
  mergedComposer: 'This ticket was merged and takes no replies: reply on #{number}.',
  mergedComposerUnknown: 'This ticket was merged and takes no replies: reply on the ticket it was merged into.',
  mergedStatusHint: 'A merged ticket keeps its status',
  mergedFrom: 'Merged from',
};
type Key = keyof typeof en;

const pt: Record<Key, string> = {
  mergedInto: 'Mesclado em #{number}',
  mergedIntoUnknown: 'Mesclado em outro ticket',
  mergedOpen: 'Abrir #{number}',
  mergedOpenUnknown: 'Abrir esse ticket',
  mergedComposer: 'Este ticket foi mesclado e não aceita respostas: responda em #{number}.',
  mergedComposerUnknown: 'Este ticket foi mesclado e não aceita respostas: responda no ticket em que foi mesclado.',
  mergedStatusHint: 'Um ticket mesclado mantém seu status',
  mergedFrom: 'Mesclado de',
};

const es: Record<Key, string> = {
  mergedInto: 'Fusionado en #{number}',
  mergedIntoUnknown: 'Fusionado en otro ticket',
  mergedOpen: 'Abrir #{number}',
  mergedOpenUnknown: 'Abrir ese ticket',
  mergedComposer: 'Este ticket se fusionó y no admite respuestas: responda en #{number}.',
  mergedComposerUnknown: 'Este ticket se fusionó y no admite respuestas: responda en el ticket en que se fusionó.',
  mergedStatusHint: 'Un ticket fusionado conserva su estado',
  mergedFrom: 'Fusionado de',
};

const dictionaries: Record<string, Record<Key, string>> = { en, pt, es };

export function mt(key: Key, vars: Record<string, string | number> = {}): string {
  const text = dictionaries[getLang()]?.[key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => (vars[k] !== undefined ? String(vars[k]) : `{${k}}`));
}
