import { describe, expect, it } from 'vitest';
import { firstName, renderTemplate } from '../../../src/core/canned/render-template.js';

describe('canned response variables', () => {
  const vars = { 'contact.name': 'Ana Souza', 'ticket.number': 1042, 'agent.name': 'Bruno', 'contact.email': '' };
  it.each([
    ['Hi {{contact.name}}, ticket #{{ticket.number}} — {{agent.name}}', 'Hi Ana Souza, ticket #1042 — Bruno'],
    ['{{ contact.name }}', 'Ana Souza'],
    ['unknown {{contact.phone}} stays', 'unknown {{contact.phone}} stays'],
    ['empty {{contact.email}} stays visible', 'empty {{contact.email}} stays visible'],
    ['no braces', 'no braces'],
    ['{{constructor}} {{__proto__}}', '{{constructor}} {{__proto__}}'],
  ])('%s', (body, expected) => {
    expect(renderTemplate(body, vars)).toBe(expected);
  });
  it('first names', () => {
    expect(firstName('  Ana  Souza ')).toBe('Ana');
    expect(firstName(null)).toBe('');
  });
});
