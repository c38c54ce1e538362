/**
 * @module The kubelet's image manager: makes a container's image present per its
 * imagePullPolicy, pulling with the pod's imagePullSecrets, and records the Events Pulling /
 * Pulled (with size and time) the kubelet does. Failures become ContainerStartError with the
 * kubelet's reasons (ErrImagePull, ErrImageNeverPull, InvalidImageName); the pod worker turns
 * repeats into ImagePullBackOff.
 */
import type { EventInput } from '../core/events.js';
import { normalizeImageReference, parseImageReference, repositoryName } from '../core/image-reference.js';
import { effectivePullPolicy, pullDecision } from '../core/image-pull-policy.js';
import type { ImagePullOptions, ImagePullResult, ImageRecord, ImageService, Clock } from '../core/ports.js';
import { mergeCredentials, secretCredentials, type CredentialMap } from '../core/registry-auth.js';
import type { Container, Pod } from '../core/types.js';
import type { Logger } from '../core/logger.js';

/** Same shape as pod-runtime's ContainerStartError (passed in to avoid an import cycle). */
export type StartError = new (reason: string, message: string) => Error;

export interface ImagePullManagerDeps {
  images: ImageService;
  pull: (ref: string, opts: ImagePullOptions) => Promise<ImagePullResult>;
  /** A Secret from the API's store; undefined when there is none (or no secrets resource). */
  getSecret?: (namespace: string, name: string) => unknown;
  events?: { record(e: EventInput): void };
  clock: Clock;
  logger: Logger;
}

export class ImagePullManager {
  constructor(
    private readonly d: ImagePullManagerDeps,
    private readonly StartError: StartError,
  ) {}

  /** The image record, pulled when the policy says so; `pulled` tells whether a pull ran. */
  async ensureImage(pod: Pod, container: Container): Promise<{ image: ImageRecord; pulled: boolean }> {
    const ref = container.image ?? '';
    let normalized: string;
    try {
      normalized = normalizeImageReference(ref);
    } catch (err) {
      throw new this.StartError('InvalidImageName', `Failed to apply default image tag "${ref}": ${(err as Error).message}`);
    }
    const present = await this.d.images.resolve(normalized);
    const decision = pullDecision(effectivePullPolicy(ref, container.imagePullPolicy), !!present);
    if (decision === 'use') return { image: preferRepo(present!, normalized), pulled: false };
    if (decision === 'never') {
      throw new this.StartError('ErrImageNeverPull', `Container image "${ref}" is not present with pull policy of Never`);
    }
    const event = (type: 'Normal' | 'Warning', reason: string, message: string) =>
      this.d.events?.record({ pod, container: container.name, type, reason, message });
    event('Normal', 'Pulling', `Pulling image "${ref}"`);
    const started = this.d.clock.now();
    try {
      const result = await this.d.pull(normalized, { credentials: this.credentials(pod) });
      const secs = ((this.d.clock.now() - started) / 1000).toFixed(3);
      event('Normal', 'Pulled', `Successfully pulled image "${ref}" in ${secs}s. Image size: ${result.image.size} bytes.`);
      const image = { ...result.image, repoDigests: [result.imageRef, ...result.image.repoDigests.filter((d) => d !== result.imageRef)] };
      return { image, pulled: true };
    } catch (err) {
      const msg = (err as Error)?.message ?? String(err);
      this.d.logger.info('image pull failed', { image: ref, err: msg });
      throw new this.StartError('ErrImagePull', `failed to pull and unpack image "${normalized}": ${msg}`);
    }
  }

  private credentials(pod: Pod): CredentialMap {
    const ns = pod.metadata?.namespace ?? 'default';
    const maps: CredentialMap[] = [];
    for (const s of pod.spec?.imagePullSecrets ?? []) {
      if (!s.name || !this.d.getSecret) continue;
      try {
        const found = secretCredentials(this.d.getSecret(ns, s.name));
        if (found) maps.push(found);
      } catch (err) {
        this.d.logger.warn('unusable imagePullSecret', { pod: pod.metadata?.name, secret: s.name, err: String(err) });
      }
    }
    return mergeCredentials(...maps);
  }
}

/** The repo digest of the repository the container named comes first (it becomes the imageID). */
function preferRepo(image: ImageRecord, normalized: string): ImageRecord {
  const repo = repositoryName(parseImageReference(normalized));
  const mine = image.repoDigests.filter((d) => d.startsWith(`${repo}@`));
  if (mine.length === 0) return image;
  return { ...image, repoDigests: [...mine, ...image.repoDigests.filter((d) => !mine.includes(d))] };
}
