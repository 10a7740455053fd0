/**
 * Expected wait of the ticket at `position` in a department's queue, from the
 * department's recent pick-up times (when tickets left the queue to an
 * agent): one pick-up every `interval` on average, so position n waits about
 * n intervals. Undefined until two pick-ups were seen. Rounded up to whole
 * minutes: customers are told minutes, not seconds.
 */
export function expectedWaitSeconds(position: number, recentPickUps: readonly number[]): number | undefined {
  if (recentPickUps.length < 2) return undefined;
  const sorted = [...recentPickUps].sort((a, b) => a - b);
  const interval = (sorted.at(-1)! - sorted[0]!) / (sorted.length - 1) / 1000;
  return Math.max(60, Math.ceil((position * interval) / 60) * 60);
}

/** The last pick-up times per department (in memory, per process). */
export class PickUpHistory {
  private readonly byDepartment = new Map<string, number[]>();

  constructor(private readonly keep = 20) {}

  record(departmentId: string, at: number): void {
    const list = this.byDepartment.get(departmentId) ?? [];
    list.push(at);
    if (list.length > this.keep) list.shift();
    this.byDepartment.set(departmentId, list);
  }

  of(departmentId: string): readonly number[] {
    return this.byDepartment.get(departmentId) ?? [];
  }
}
