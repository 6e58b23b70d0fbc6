// Processes seen through /proc, for tests that check nothing is left running.

import { readFileSync } from 'node:fs';

/**
 * Whether a process exists and is not a zombie. Orphaned grandchildren are reaped by PID 1, which
 * here is slow to do so; a zombie is dead for our purpose.
 */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
