/**
 * @module When the kubelet pulls: imagePullPolicy with the Kubernetes defaults (Always for
 * `:latest` or no tag, else IfNotPresent), and images in the `localhost/` namespace (what
 * `peapod image import`/`load` name them) are local and never pulled, as Podman treats them. Pure.
 */
import { LOCAL_DOMAIN, parseImageReference } from './image-reference.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export function defaultPullPolicy(image: string): PullPolicy {
  const ref = parseImageReference(image);
  if (ref.digest) return 'IfNotPresent';
  return ref.tag === undefined || ref.tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export function effectivePullPolicy(image: string, policy: string | undefined): PullPolicy {
  if (parseImageReference(image).domain === LOCAL_DOMAIN) return 'Never';
  if (policy === 'Always' || policy === 'IfNotPresent' || policy === 'Never') return policy;
  return defaultPullPolicy(image);
}

/** 'pull', 'use' the local image, or 'never' (missing and not to be pulled: ErrImageNeverPull). */
export function pullDecision(policy: PullPolicy, present: boolean): 'pull' | 'use' | 'never' {
  if (policy === 'Always') return 'pull';
  if (present) return 'use';
  return policy === 'Never' ? 'never' : 'pull';
}
