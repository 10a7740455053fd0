import { describe, expect, it } from 'vitest';
import { guessLanguage, languageFor } from '../../../src/core/automation/language.js';
import { parseRatingReply } from '../../../src/core/csat/csat-reply.js';
import { signCsatToken, verifyCsatToken } from '../../../src/core/csat/csat-token.js';

describe('a chat reply as a rating', () => {
  it.each([
    ['5', 5, null],
    [' 4 ', 4, null],
    ['4 - quick and kind', 4, 'quick and kind'],
    ['3/5 demorou', 3, 'demorou'],
    ['5!', 5, null],
    ['2, muy lento', 2, 'muy lento'],
    ['1\nnobody answered for days', 1, 'nobody answered for days'],
  ])('%j → %d', (text, rating, comment) => {
    expect(parseRatingReply(text)).toEqual({ rating, comment });
  });
  it.each(['50 euros', '6', '0', 'thanks, 5 stars', 'five', '', '4.5', '12'])('%j is a normal message', (text) => {
    expect(parseRatingReply(text)).toBeNull();
  });
});

describe('rating link token', () => {
  const secret = 's'.repeat(48);
  it('names the request it was made for, and only under our secret', () => {
    const token = signCsatToken(secret, '64a0c0ffee:1700000000000');
    expect(verifyCsatToken(secret, token)).toBe('64a0c0ffee:1700000000000');
    expect(verifyCsatToken('t'.repeat(48), token)).toBeNull();
    const [body, sig] = token.split('.');
    const other = Buffer.from('64a0c0ffef:1700000000000').toString('base64url');
    expect(verifyCsatToken(secret, `${other}.${sig}`)).toBeNull();
    expect(verifyCsatToken(secret, `${body}.${sig}.x`)).toBeNull();
    expect(verifyCsatToken(secret, 'garbage')).toBeNull();
  });
});

describe('customer language', () => {
  it('guesses PT, ES and EN from common words; stored language wins; inbox default otherwise', () => {
    expect(guessLanguage('Olá, não consigo acessar a minha conta')).toBe('pt');
    expect(guessLanguage('Hola, no puedo entrar, necesito ayuda con mi pedido')).toBe('es');
    expect(guessLanguage('Hello, I need help with my order')).toBe('en');
    expect(guessLanguage('12345')).toBeNull();
    expect(languageFor('es-AR', 'Hello there', 'pt')).toBe('es');
    expect(languageFor(undefined, '12345', 'pt')).toBe('pt');
  });
});
