/**
 * @module A volume of a pod could not be set up (emptyDir, hostPath check, configMap, secret,
 * downwardAPI, projected): the kubelet's FailedMount event, and the pod waits in
 * ContainerCreating until a later attempt succeeds.
 */
export class VolumeMountError extends Error {
  constructor(
    readonly volume: string,
    detail: string,
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${detail}`);
    this.name = 'VolumeMountError';
  }
}
