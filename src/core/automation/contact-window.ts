import type { OnceMarks } from './once-marks.js';

/**
 * At most one automatic message of a kind per contact per window (acknowledgements, routing replies): what keeps
 * us from answering another system's automatic mail forever when it neither says it is automatic nor threads —
 * each of our answers opens a new ticket there, its answer a new ticket here.
 *
 * The last time is a pointer (`<kind>:<contact>`, read by `_id`); two hubs racing for one contact are decided
 * by the insert of the window's slot (`<kind>:<contact>:<slot>`).
 */
export class ContactWindow {
  constructor(
    private readonly marks: OnceMarks,
    private readonly kind: string,
  ) {}

  /** True (and the window taken) when this contact got none of this kind in the last `minutes`. */
  async take(contactId: string, minutes: number, now: Date): Promise<boolean> {
    if (minutes <= 0) return true;
    const windowMs = minutes * 60_000;
    const last = await this.marks.get(`${this.kind}:${contactId}`);
    if (last && now.getTime() - last.at.getTime() < windowMs) return false;
    if (!(await this.marks.claim(`${this.kind}:${contactId}:${Math.floor(now.getTime() / windowMs)}`, now))) return false;
    await this.marks.set(`${this.kind}:${contactId}`, now);
    return true;
  }
}
