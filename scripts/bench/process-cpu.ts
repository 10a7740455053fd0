import { readFileSync } from 'node:fs';

/** CPU time (user + system) a process has used so far, from /proc; 0 when unknown. */
export function processCpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ ticks (100/s on Linux)
  } catch {
    return 0;
  }
}
