/** @module Durations as kubectl (core's HumanDuration) and podman word them. */

import { ageSince, humanDuration } from '../../core/pod-printer.js';

export { humanDuration };

/** Age of a timestamp at `now`, or "<unknown>" when absent. */
export function age(timestamp: string | undefined, now: number): string {
  return ageSince(timestamp, now);
}

/** podman's (go-units) wording: "About a minute", "3 hours", "2 weeks". */
export function humanDurationWords(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(seconds / 3600);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}

/** podman's size wording (decimal units, 3 significant digits): "4.27 MB". */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  return `${Number(value.toPrecision(3))} ${units[i]}`;
}
