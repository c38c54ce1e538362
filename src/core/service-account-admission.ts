/**
 * @module The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount) on pod
 * creation: `serviceAccountName` defaults to "default"; a pod naming a service account that does
 * not exist is refused (the namespace's "default" one is made by the controller moments after the
 * namespace, so a pod racing it is let through and waits for its token); and unless the pod or its
 * service account turns automountServiceAccountToken off, a projected `kube-api-access-<suffix>`
 * volume (a bound token, kube-root-ca.crt's ca.crt, the namespace) is mounted read-only at
 * /var/run/secrets/kubernetes.io/serviceaccount in every container. Pure.
 */
import { ForbiddenError } from './errors.js';
import type { Pod, ServiceAccount, Volume } from './types.js';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The kubelet asks for 3607 s (an hour and a bit, so tokens renewed at 80 % are told apart). */
export const KUBE_API_ACCESS_EXPIRATION_SECONDS = 3607;

export function kubeApiAccessVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: KUBE_API_ACCESS_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** The pod as admitted; `serviceAccounts` are the namespace's, `suffix` names the volume. */
export function admitServiceAccount(pod: Pod, serviceAccounts: readonly ServiceAccount[], suffix: string): Pod {
  const ns = pod.metadata?.namespace ?? 'default';
  const spec = { ...pod.spec! };
  const name = spec.serviceAccountName || spec.serviceAccount || 'default';
  spec.serviceAccountName = name;
  spec.serviceAccount = name;
  const sa = serviceAccounts.find((s) => s.metadata?.namespace === ns && s.metadata?.name === name);
  if (!sa && name !== 'default') {
    throw new ForbiddenError(`pods "${pod.metadata?.name ?? ''}" is forbidden: error looking up service account ${ns}/${name}: serviceaccount "${name}" not found`, {
      name: pod.metadata?.name,
      kind: 'pods',
    });
  }
  const automount = spec.automountServiceAccountToken ?? sa?.automountServiceAccountToken ?? true;
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  const alreadyMounted = containers.some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH));
  if (!automount || alreadyMounted) return { ...pod, spec };
  const volume = `kube-api-access-${suffix}`;
  const mount = { name: volume, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH };
  spec.volumes = [...(spec.volumes ?? []), kubeApiAccessVolume(volume)];
  const withMount = <T extends { volumeMounts?: unknown[] }>(c: T): T => ({ ...c, volumeMounts: [...(c.volumeMounts ?? []), mount] });
  if (spec.initContainers) spec.initContainers = spec.initContainers.map(withMount);
  spec.containers = (spec.containers ?? []).map(withMount);
  return { ...pod, spec };
}
