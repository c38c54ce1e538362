/** @module The columns kubectl prints for pods (printPod). STUB: being written. */
import type { Pod } from './types.js';

export interface PodRow {
  name: string;
  ready: string; // "1/2"
  status: string; // "Running", "Init:1/2", "CrashLoopBackOff", "Terminating", ...
  restarts: string; // "3 (12s ago)"
  age: string; // "5m3s"
  ip: string;
  node: string;
}

export function podRow(pod: Pod, now: number): PodRow {
  return { name: pod.metadata?.name ?? '', ready: '', status: '', restarts: '', age: '', ip: '', node: '' };
  void now;
}
