import { describe, expect, it } from 'vitest';
import { cjkGrams, fold, indexKeys, phoneText, queryKeys, tokens } from '../../../src/core/search/search-terms.js';

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

  it.each([
    ['Große STRASSE ẞ', 'grosse strasse ss'],
    ['Øresund Łódź Ærø Œuvre', 'oresund lodz aero oeuvre'],
    ['Đorđe Ðe Þór', 'dorde de thor'],
    ['DİYARBAKIR ılık', 'diyarbakir ilik'],
    ['ビール ｶﾞｲﾄﾞ', 'ビール ガイド'],
    ['한국', '한국'],
  ])('folds letters NFKD leaves whole, keeps kana voicing and Hangul syllables: %s → %s', (raw, folded) => {
    expect(fold(raw)).toBe(folded);
  });

  it('a CJK run is indexed under each character and each pair, by code point; Latin beside it by prefixes', () => {
    expect(cjkGrams('𠮷野家')).toEqual(['𠮷', '野', '家', '𠮷野', '野家']);
    expect([...indexKeys('订单12345没有到。')].sort()).toEqual(['12', '123', '1234', '12345', '单', '到', '有', '有到', '没', '没有', '订', '订单'].sort());
  });

  it('a long CJK text is indexed by at most 1,200 CJK keys', () => {
    const text = Array.from({ length: 3000 }, (_, i) => String.fromCodePoint(0x4e00 + ((i * 7919) % 20000))).join('');
    expect(indexKeys(`${text} hello`).size).toBe(1200 + 4);
  });

  it('query keys: a CJK run is its pairs, or its character when it is one; one Latin letter is still nothing', () => {
    expect(queryKeys('東')).toEqual(['東']);
    expect(queryKeys('東京都')).toEqual(['東京', '京都']);
    expect(queryKeys('s 東')).toEqual(['東']);
    expect(queryKeys('订单 12345')).toEqual(['12345', '订单']);
    expect(queryKeys('Straße')).toEqual(['strasse']);
  });
});
