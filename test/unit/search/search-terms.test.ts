import { describe, expect, it } from 'vitest';
import { fold, indexKeys, phoneText, queryKeys, tokens } from '../../../src/core/search/search-terms.js';

describe('search terms', () => {
  it.each([
    ['María José', 'maria jose'],
    ['AÇÃO', 'acao'],
    ['Ñandú', 'nandu'],
    ['ﬁ Ｆｕｌｌ', 'fi full'],
  ])('folds %s → %s', (raw, folded) => {
    expect(fold(raw)).toBe(folded);
  });

  it('tokens: letters and digits, distinct, one-letter words dropped, long ones cut at 16', () => {
    expect(tokens('Olá, o código é XJ-4471 (xj) a')).toEqual(['ola', 'codigo', 'xj', '4471']);
    expect(tokens('pneumoultramicroscopicossilicovulcanoconiose')).toEqual(['pneumoultramicro']);
  });

  it('index keys are every prefix of every token, from two letters', () => {
    expect([...indexKeys('Maria ok')].sort()).toEqual(['ma', 'mar', 'mari', 'maria', 'ok']);
  });

  it('query keys: folded, a term that prefixes another dropped, longest first, at most six', () => {
    expect(queryKeys('MARÍA mar  Souza')).toEqual(['maria', 'souza']);
    expect(queryKeys('a b')).toEqual([]);
    expect(queryKeys('aa bb cc dd ee ff gg hh')).toHaveLength(6);
  });

  it('a phone typed with spaces is one digits term; a phone is indexed as its digits and without country code', () => {
    expect(queryKeys('+55 11 9123-4')).toEqual(['551191234']);
    expect(queryKeys('4471 xj')).toEqual(['4471', 'xj']);
    expect(tokens(phoneText('+55 11 98765-4321'))).toEqual(expect.arrayContaining(['5511987654321', '11987654321']));
    expect(phoneText(undefined)).toBe('');
  });
});
