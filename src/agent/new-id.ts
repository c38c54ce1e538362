/** @module Ids of sandboxes and containers: 64 hex digits, as runc and CRI-O name theirs. */
import { randomBytes } from 'node:crypto';

export function newId(): string {
  return randomBytes(32).toString('hex');
}
