/**
 * @module The error every runtime step of a container (image, create, start) fails with: it
 * carries the kubelet's waiting reason (ErrImagePull, CreateContainerConfigError,
 * RunContainerError...), which the pod worker shows in the status and in the event.
 */
export class ContainerStartError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ContainerStartError';
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
