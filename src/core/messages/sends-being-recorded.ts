/**
 * Our own sends between "the platform took it" and "everything about it is recorded and announced" (its key,
 * `sent`, the claim's outcome, the audit entry, the console's event). A receipt for such a message waits
 * (NotYetKnownError) until the delivery worker announces it (`IngestService.messageKnown`): applied inside the
 * window, the receipt's `delivered` reached the consoles before the worker's `sent`, which then turned the
 * ticks back for good — the database said delivered, every console said sent.
 *
 * In this process only: a receipt another hub process takes in meanwhile still finds the key and is applied
 * (the worker's write of `sent` never overwrites it; its console event may still come second).
 */
export class SendsBeingRecorded {
  private readonly messageIds = new Set<string>();

  begin(messageId: string): void {
    this.messageIds.add(messageId);
  }

  end(messageId: string): void {
    this.messageIds.delete(messageId);
  }

  has(messageId: string): boolean {
    return this.messageIds.has(messageId);
  }
}
