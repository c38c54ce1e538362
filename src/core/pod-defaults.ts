/** @module Defaulting of Pods as the API server does it (SetDefaults_Pod and friends). STUB: being written. */
import type { Pod } from './types.js';

/** Returns a copy of `pod` with every Kubernetes default applied. */
export function applyPodDefaults(pod: Pod): Pod {
  return structuredClone(pod);
}
