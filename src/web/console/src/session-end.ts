/**
 * A session can end under an open console: signed out in another tab, expired, or ended by a password or role
 * change. The console then reloads into the sign-in page (which drops the previous user's data from memory and
 * keeps the hash, so signing in again reopens the same ticket) and says why, instead of sitting on
 * "Reconnecting…" with every click failing.
 */
const NOTICE = 'ponte.sessionEnded';
let ending = false;

export function sessionEnded(): void {
  if (ending) return;
  ending = true;
  sessionStorage.setItem(NOTICE, '1');
  location.reload();
}

/** Whether the sign-in page was reached because the session ended (asked once: the notice is then gone). */
export function takeSessionEndedNotice(): boolean {
  const ended = sessionStorage.getItem(NOTICE) === '1';
  sessionStorage.removeItem(NOTICE);
  return ended;
}
