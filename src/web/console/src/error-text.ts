import { ApiError } from './api.ts';

/**
 * An API error as one line, with the field problems when the server named them: what every failure path of
 * the console shows (`String(err)` gave "Error: …" and dropped the reason a 400 carries in its issues).
 */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    // A validation answer often names its issues in the message already: they are not repeated.
    const missing = err.issues.filter((i) => !err.message.includes(i.message));
    return missing.length ? `${err.message}: ${missing.map((i) => `${i.path} ${i.message}`).join('; ')}` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
