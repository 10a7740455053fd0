import { ValidationError } from '../errors/app-error.js';

/**
 * What a password must not be, beyond its length (checked by the schemas): a well-known password, one
 * character repeated, or the account's own email name — the first guesses of anyone trying accounts.
 */
const COMMON = new Set([
  'password', 'password1', 'password12', 'password123', 'passw0rd', 'qwerty', 'qwertyuiop', 'qwerty123',
  '1234567890', '0123456789', '12345678910', 'iloveyou', 'letmein123', 'welcome123', 'admin12345',
  'administrator', 'changeme', 'changeme123', 'senha12345', 'contraseña', 'contrasena', 'abcdefghij',
]);

export function weakPasswordReason(password: string, account: { email?: string; name?: string } = {}): string | null {
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return 'is a well-known password';
  if (new Set(lower).size < 4) return 'needs at least 4 different characters';
  const local = account.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local)) return 'must not contain the email address';
  return null;
}

/** Throws the 400 the API shows next to the password field. */
export function assertStrongPassword(password: string, account: { email?: string; name?: string }, path = 'password'): void {
  const reason = weakPasswordReason(password, account);
  if (reason) throw new ValidationError(`The password ${reason}`, [{ path, message: reason }]);
}
