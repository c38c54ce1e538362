/**
 * @module The PersistentVolume controller with the local-path provisioner (upstream's pv
 * controller, pvc- and pv-protection controllers and expander, plus k3s' local-path provisioner),
 * by the rules of core/controllers/volume-binding.ts. Binding writes in upstream's order (the
 * volume's claimRef, its phase, the claim's volumeName, the claim's phase) so a pass repeated
 * after a crash finishes what the last one began; a provisioned volume is named after the
 * claim's uid, so it is never made twice. Released volumes are kept (Retain) or deleted with
 * their directory (Delete); the protection finalizers go once nothing uses the object.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES, PODS, STORAGE_CLASSES } from '../core/controllers/resource-types.js';
import {
  BIND_COMPLETED_ANNOTATION,
  BOUND_BY_CONTROLLER_ANNOTATION,
  capacityBytes,
  claimInUse,
  decideClaim,
  LOCAL_PATH_PROVISIONER,
  PROVISIONED_BY_ANNOTATION,
  provisionedDirName,
  provisionedVolume,
  requestBytes,
  SELECTED_NODE_ANNOTATION,
  volumeHostPath,
} from '../core/controllers/volume-binding.js';
import { isNotFound } from '../core/errors.js';
import type { LocalVolumeStorage } from '../core/ports.js';
import type { KubeObject, Pod } from '../core/types.js';
import type { ControllerContext, ManagedController } from './controller-manager.js';
import type { ObjectEvents } from './event-recorder.js';
import { objectKey, splitKey, type Informer } from './informer.js';

type PVC = PersistentVolumeClaim & KubeObject;
type PV = PersistentVolume & KubeObject;
type SC = StorageClass & KubeObject;

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
const VOLUME = 'pv:';

export class PersistentVolumeController implements ManagedController {
  readonly name = 'persistentvolume-controller';
  private ctx!: ControllerContext;
  private claims!: Informer<PVC>;
  private volumes!: Informer<PV>;
  private classes!: Informer<SC>;
  private pods!: Informer<Pod>;

  constructor(
    private readonly events: ObjectEvents,
    private readonly storage: LocalVolumeStorage,
    private readonly nodeName: string,
  ) {}

  register(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.claims = ctx.informer<PVC>(PERSISTENT_VOLUME_CLAIMS);
    this.volumes = ctx.informer<PV>(PERSISTENT_VOLUMES);
    this.classes = ctx.informer<SC>(STORAGE_CLASSES);
    this.pods = ctx.informer<Pod>(PODS);
    const claim = (c: PVC): void => ctx.queue.add(objectKey(c));
    const volume = (v: PV): void => ctx.queue.add(VOLUME + (v.metadata?.name ?? ''));
    const pendingClaims = (): void => this.claims.list().filter((c) => c.status?.phase !== 'Bound').forEach(claim);
    this.claims.addHandlers({ onAdd: claim, onUpdate: (_o, c) => claim(c), onDelete: () => this.volumes.list().forEach(volume) });
    this.volumes.addHandlers({
      onAdd: (v) => {
        volume(v);
        pendingClaims();
      },
      onUpdate: (_o, v) => {
        volume(v);
        pendingClaims();
      },
      onDelete: pendingClaims,
    });
    this.classes.addHandlers({ onAdd: pendingClaims, onUpdate: pendingClaims });
    const forPod = (p: Pod): void => {
      for (const v of p.spec?.volumes ?? []) {
        const name = v.persistentVolumeClaim?.claimName;
        const c = name ? this.claims.get(p.metadata?.namespace, name) : undefined;
        if (c) claim(c);
      }
    };
    this.pods.addHandlers({ onAdd: forPod, onUpdate: (_o, p) => forPod(p), onDelete: forPod });
  }

  async reconcile(key: string): Promise<void> {
    if (key.startsWith(VOLUME)) return this.syncVolume(key.slice(VOLUME.length));
    const { namespace, name } = splitKey(key);
    const claim = this.claims.get(namespace, name);
    if (!claim) return;
    if (claim.metadata?.deletionTimestamp) {
      // pvc-protection: the finalizer goes once no unfinished pod uses the claim.
      if ((claim.metadata.finalizers ?? []).includes(PVC_PROTECTION_FINALIZER) && !claimInUse(claim, this.pods.list(namespace))) {
        await this.dropFinalizer(PERSISTENT_VOLUME_CLAIMS, claim, PVC_PROTECTION_FINALIZER);
      }
      return;
    }
    if (claim.spec?.volumeName && claim.status?.phase === 'Bound') return this.expand(claim);
    const decision = decideClaim(claim, this.volumes.list(), this.classes.list(), this.pods.list(namespace));
    switch (decision.action) {
      case 'bind':
        return this.bind(claim, decision.volume);
      case 'selectNode':
        await this.ctx.client.patch(PERSISTENT_VOLUME_CLAIMS, namespace, name, 'merge', { metadata: { annotations: { [SELECTED_NODE_ANNOTATION]: decision.nodeName } } });
        return;
      case 'provision':
        return this.provision(claim, decision.storageClass);
      case 'wait':
        if (decision.event) this.events.record(claim, decision.event.type, decision.event.reason, decision.event.message);
        return;
    }
  }

  private async provision(claim: PVC, sc: StorageClass): Promise<void> {
    const { client } = this.ctx;
    if (!claim.metadata?.annotations?.[PROVISIONED_BY_ANNOTATION.replace('pv.', 'volume.beta.')]) {
      this.events.record(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${claim.metadata?.namespace}/${claim.metadata?.name}"`);
    }
    let path: string;
    try {
      path = await this.storage.create(provisionedDirName(claim));
    } catch (err) {
      this.events.record(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata?.name}": ${(err as Error).message}`);
      throw err;
    }
    const node = claim.metadata?.annotations?.[SELECTED_NODE_ANNOTATION] ?? this.nodeName;
    try {
      await client.create(PERSISTENT_VOLUMES, provisionedVolume(claim, sc, path, node) as PV);
      this.events.record(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume pvc-${claim.metadata?.uid}`);
    } catch (err) {
      if ((err as { reason?: string }).reason !== 'AlreadyExists') throw err;
    }
    // The new volume's informer event brings the claim back to bind it.
  }

  /** Upstream's order: the volume's claimRef and phase first, then the claim's volumeName and phase. */
  private async bind(claim: PVC, pv: PV): Promise<void> {
    const { client } = this.ctx;
    const ref = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: claim.metadata?.namespace, name: claim.metadata?.name, uid: claim.metadata?.uid, resourceVersion: claim.metadata?.resourceVersion };
    let vol = pv;
    if (vol.spec?.claimRef?.uid !== claim.metadata?.uid) {
      vol = await client.update<PV>(PERSISTENT_VOLUMES, {
        ...vol,
        metadata: { ...vol.metadata, annotations: { ...vol.metadata?.annotations, [BOUND_BY_CONTROLLER_ANNOTATION]: 'yes' } },
        spec: { ...vol.spec, claimRef: ref },
      });
    }
    if (vol.status?.phase !== 'Bound') vol = await client.update<PV>(PERSISTENT_VOLUMES, { ...vol, status: { ...vol.status, phase: 'Bound' } }, { subresource: 'status' });
    let c = claim;
    if (c.spec?.volumeName !== vol.metadata?.name || c.metadata?.annotations?.[BIND_COMPLETED_ANNOTATION] !== 'yes') {
      c = await client.update<PVC>(PERSISTENT_VOLUME_CLAIMS, {
        ...c,
        metadata: { ...c.metadata, annotations: { ...c.metadata?.annotations, [BIND_COMPLETED_ANNOTATION]: 'yes', ...(c.spec?.volumeName ? {} : { [BOUND_BY_CONTROLLER_ANNOTATION]: 'yes' }) } },
        spec: { ...c.spec, volumeName: vol.metadata?.name },
      });
    }
    await client.update(PERSISTENT_VOLUME_CLAIMS, { ...c, status: { phase: 'Bound', accessModes: vol.spec?.accessModes, capacity: vol.spec?.capacity } }, { subresource: 'status' });
  }

  /** Expansion: a bound claim asking for more (admission checked its class allows it). Capacity is recorded, not enforced. */
  private async expand(claim: PVC): Promise<void> {
    const pv = this.volumes.get(undefined, claim.spec!.volumeName!);
    if (!pv || requestBytes(claim) <= capacityBytes(pv)) return;
    const storage = claim.spec?.resources?.requests?.storage;
    await this.ctx.client.update(PERSISTENT_VOLUMES, { ...pv, spec: { ...pv.spec, capacity: { ...pv.spec?.capacity, storage } } });
    await this.ctx.client.update(PERSISTENT_VOLUME_CLAIMS, { ...claim, status: { ...claim.status, capacity: { ...claim.status?.capacity, storage } } }, { subresource: 'status' });
    this.events.record(claim, 'Normal', 'VolumeResizeSuccessful', `resize volume "${pv.metadata?.name}" by resizer "${LOCAL_PATH_PROVISIONER}" succeeded (capacity is recorded, not enforced)`);
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.get(undefined, name);
    if (!pv) return;
    const { client } = this.ctx;
    const ref = pv.spec?.claimRef;
    if (pv.metadata?.deletionTimestamp) {
      if ((pv.metadata.finalizers ?? []).includes(PV_PROTECTION_FINALIZER) && pv.status?.phase !== 'Bound') await this.dropFinalizer(PERSISTENT_VOLUMES, pv, PV_PROTECTION_FINALIZER);
      return;
    }
    if (!ref) {
      if (pv.status?.phase !== 'Available') await client.update(PERSISTENT_VOLUMES, { ...pv, status: { phase: 'Available' } }, { subresource: 'status' });
      return;
    }
    const claim = this.claims.get(ref.namespace, ref.name ?? '');
    if (claim && (!ref.uid || claim.metadata?.uid === ref.uid)) return;
    if (!ref.uid) return; // pre-bound by hand to a claim not made yet
    // Its claim is gone: Released, then the reclaim policy.
    if (pv.status?.phase === 'Bound' || pv.status?.phase === 'Available' || pv.status?.phase === 'Pending' || !pv.status?.phase) {
      await client.update(PERSISTENT_VOLUMES, { ...pv, status: { phase: 'Released' } }, { subresource: 'status' });
      return;
    }
    if (pv.status.phase !== 'Released' || pv.spec?.persistentVolumeReclaimPolicy !== 'Delete') return;
    const path = volumeHostPath(pv);
    if (pv.metadata?.annotations?.[PROVISIONED_BY_ANNOTATION] === LOCAL_PATH_PROVISIONER && path) {
      await this.storage.remove(path);
    } else {
      // Only the provisioner's own directories are removed; a hand-made volume is the admin's.
      const message = `error getting deleter volume plugin for volume "${name}": no deletable volume plugin matched`;
      this.events.record(pv, 'Warning', 'VolumeFailedDelete', message);
      await client.update(PERSISTENT_VOLUMES, { ...pv, status: { phase: 'Failed', message } }, { subresource: 'status' });
      return;
    }
    try {
      await client.delete(PERSISTENT_VOLUMES, undefined, name, { preconditions: { uid: pv.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async dropFinalizer(type: typeof PERSISTENT_VOLUMES, obj: KubeObject, finalizer: string): Promise<void> {
    const rest = (obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
    try {
      await this.ctx.client.patch(type, obj.metadata?.namespace, obj.metadata!.name!, 'merge', { metadata: { finalizers: rest.length ? rest : null, resourceVersion: obj.metadata?.resourceVersion } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** The default class the daemon makes on first start: local-path, WaitForFirstConsumer, Delete, expandable. */
export const LOCAL_PATH_STORAGE_CLASS: SC = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: LOCAL_PATH_PROVISIONER,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
  allowVolumeExpansion: true,
};
