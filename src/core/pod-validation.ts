/** @module Pod validation as the API server does it (ValidatePodCreate / ValidatePodUpdate). STUB: being written. */
import type { Pod } from './types.js';

/** Throws InvalidError (422, one cause per bad field) when the defaulted pod is invalid. */
export function validatePodCreate(_pod: Pod): void {}

/** Throws InvalidError naming the fields a pod update may not change. */
export function validatePodUpdate(_next: Pod, _previous: Pod): void {}
