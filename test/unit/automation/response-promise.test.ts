import { describe, expect, it } from 'vitest';
import { responsePromise } from '../../../src/core/automation/response-promise.js';

describe('the promised response time in an acknowledgement', () => {
  // Friday 2026-12-04 10:00 in São Paulo (UTC-3).
  const now = new Date('2026-12-04T13:00:00Z');
  const tz = 'America/Sao_Paulo';
  it.each([
    [undefined, 'en', 'We will answer as soon as possible.'],
    [new Date('2026-12-04T12:00:00Z'), 'en', 'We will answer as soon as possible.'],
    [new Date('2026-12-04T13:40:00Z'), 'pt', 'Responderemos em até 40 minutos.'],
    [new Date('2026-12-04T17:30:00Z'), 'en', 'We will answer by 14:30 today.'],
    [new Date('2026-12-05T12:00:00Z'), 'es', 'Le responderemos mañana antes de las 09:00.'],
    // Business hours pushed it to Monday 9:00 (whatever engine stored it).
    [new Date('2026-12-07T12:00:00Z'), 'pt', 'Responderemos até segunda-feira, às 09:00.'],
    [new Date('2026-12-07T12:00:00Z'), 'en', 'We will answer by Monday, 09:00.'],
    [new Date('2026-12-20T12:00:00Z'), 'es', 'Le responderemos antes del 20 de diciembre, a las 09:00.'],
  ] as const)('%s (%s)', (due, lang, text) => {
    expect(responsePromise(due, now, lang, tz)).toBe(text);
  });
});
