import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../fixtures/telegram/', import.meta.url));

/** A realistic Bot API update from `test/fixtures/telegram/` (a fresh copy each time). */
export function fixture(name: string): Record<string, any> {
  return JSON.parse(readFileSync(`${dir}${name}.json`, 'utf8')) as Record<string, any>;
}
