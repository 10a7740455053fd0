import { describe, expect, it } from 'vitest';
import { bareMessageId, capReferences, parseMessageId, parseMessageIdList } from '../../../src/channels/email/message-id-parsing.js';

describe('Message-ID parsing', () => {
  it.each([
    ['<a@b>', ['<a@b>']],
    ['<a@b> <c@d>\r\n <a@b>', ['<a@b>', '<c@d>']],
    ['<a@b>,<c@d>', ['<a@b>', '<c@d>']],
    ['<a@b> (Ana\'s message of "Mon, 6 Jan 2025 <x@y>")', ['<a@b>']],
    ['a@b', ['<a@b>']],
    ['a@b c@d', ['<a@b>', '<c@d>']],
    ['Ana\'s message of Monday', []],
    ['', []],
  ])('%j', (value, expected) => {
    expect(parseMessageIdList(value)).toEqual(expected);
  });

  it('first id and bare form', () => {
    expect(parseMessageId('  <x.1@y> <x.2@y>')).toBe('<x.1@y>');
    expect(parseMessageId(undefined)).toBeUndefined();
    expect(bareMessageId('<x.1@y>')).toBe('x.1@y');
  });

  it('caps keeping the root and the newest', () => {
    const refs = ['<1@x>', '<2@x>', '<3@x>', '<4@x>', '<5@x>'];
    expect(capReferences(refs, 3)).toEqual(['<1@x>', '<4@x>', '<5@x>']);
    expect(capReferences(refs, 10)).toBe(refs);
  });
});
