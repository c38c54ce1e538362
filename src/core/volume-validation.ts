/** @module Validation of pod volumes (validateVolumes / validateVolumeSource upstream). */
import type { Volume } from './types.js';
import type { KeyToPath } from 'kubernetes-types/core/v1.js';
import { fieldErrors as fe, isDNS1123Label, type FieldError } from './field-error.js';
import { validateLocalDescendingPath } from './container-validation.js';
import { parseQuantity, QUANTITY_FORMAT_MESSAGE } from './quantity.js';

const MODE_MESSAGE = 'must be a number between 0 and 0777 (octal), both inclusive';
const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];

export function validateVolumes(volumes: Volume[]): { errors: FieldError[]; names: Set<string> } {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  volumes.forEach((v, i) => {
    const path = `spec.volumes[${i}]`;
    if (!v.name) errors.push(fe.required(`${path}.name`));
    else {
      for (const m of isDNS1123Label(v.name)) errors.push(fe.invalid(`${path}.name`, v.name, m));
      if (names.has(v.name)) errors.push(fe.duplicate(`${path}.name`, v.name));
      names.add(v.name);
    }
    errors.push(...validateVolumeSource(v, path));
  });
  return { errors, names };
}

function validateVolumeSource(v: Volume, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const sources = Object.keys(v).filter((k) => k !== 'name' && (v as unknown as Record<string, unknown>)[k] != null);
  if (sources.length === 0) return [fe.required(path, 'must specify a volume type')];
  for (const extra of sources.slice(1)) errs.push(fe.forbidden(`${path}.${extra}`, 'may not specify more than 1 volume type'));
  const mode = (field: string, m: number | undefined): void => {
    if (m !== undefined && (m < 0 || m > 0o777)) errs.push(fe.invalid(field, m, MODE_MESSAGE));
  };
  const items = (field: string, list: KeyToPath[] | undefined): void =>
    (list ?? []).forEach((it, i) => {
      if (!it.key) errs.push(fe.required(`${field}[${i}].key`));
      if (!it.path) errs.push(fe.required(`${field}[${i}].path`));
      else errs.push(...validateLocalDescendingPath(it.path, `${field}[${i}].path`));
      mode(`${field}[${i}].mode`, it.mode);
    });
  if (v.hostPath) {
    if (!v.hostPath.path) errs.push(fe.required(`${path}.hostPath.path`));
    const t = v.hostPath.type ?? '';
    if (!HOST_PATH_TYPES.includes(t)) errs.push(fe.notSupported(`${path}.hostPath.type`, t, HOST_PATH_TYPES));
  }
  if (v.emptyDir) {
    const medium = v.emptyDir.medium ?? '';
    if (!['', 'Memory'].includes(medium) && !medium.startsWith('HugePages')) {
      errs.push(fe.notSupported(`${path}.emptyDir.medium`, medium, ['', 'HugePages', 'Memory']));
    }
    if (v.emptyDir.sizeLimit !== undefined) {
      try {
        if (parseQuantity(String(v.emptyDir.sizeLimit)).nano < 0n) {
          errs.push(fe.forbidden(`${path}.emptyDir.sizeLimit`, 'SizeLimit field must be a valid resource quantity'));
        }
      } catch {
        errs.push(fe.invalid(`${path}.emptyDir.sizeLimit`, String(v.emptyDir.sizeLimit), QUANTITY_FORMAT_MESSAGE));
      }
    }
  }
  if (v.configMap) {
    if (!v.configMap.name) errs.push(fe.required(`${path}.configMap.name`));
    mode(`${path}.configMap.defaultMode`, v.configMap.defaultMode);
    items(`${path}.configMap.items`, v.configMap.items);
  }
  if (v.secret) {
    if (!v.secret.secretName) errs.push(fe.required(`${path}.secret.secretName`));
    mode(`${path}.secret.defaultMode`, v.secret.defaultMode);
    items(`${path}.secret.items`, v.secret.items);
  }
  if (v.downwardAPI) {
    mode(`${path}.downwardAPI.defaultMode`, v.downwardAPI.defaultMode);
    (v.downwardAPI.items ?? []).forEach((it, i) => {
      const f = `${path}.downwardAPI.items[${i}]`;
      if (!it.path) errs.push(fe.required(`${f}.path`));
      else errs.push(...validateLocalDescendingPath(it.path, `${f}.path`));
      const n = (it.fieldRef ? 1 : 0) + (it.resourceFieldRef ? 1 : 0);
      if (n !== 1) errs.push(fe.invalid(f, 'downwardAPI', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
      mode(`${f}.mode`, it.mode);
    });
  }
  if (v.projected) mode(`${path}.projected.defaultMode`, v.projected.defaultMode);
  return errs;
}
