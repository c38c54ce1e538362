/** @module scheduling.k8s.io/v1 PriorityClass, with the two built-in system classes always present. */
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { ObjectStore } from '../../../core/ports.js';
import { checkPriorityClassDeletion, preparePriorityClass, SYSTEM_PRIORITY_CLASSES } from '../../../core/scheduling/priority.js';
import type { KubeObject } from '../../../core/types.js';
import { decodeAs } from '../../../core/pod-decode.js';
import type { KindDefinition } from '../kind-definition.js';
import { age, AGE_COLUMN, column, NAME_COLUMN } from './columns.js';

type PC = PriorityClass & KubeObject;
const STORE_RESOURCE = 'priorityclasses.scheduling.k8s.io';

/** Creates the built-in classes when missing (as the API server does at start). */
export function ensureSystemPriorityClasses(store: ObjectStore): void {
  for (const pc of SYSTEM_PRIORITY_CLASSES) if (!store.tryGet(STORE_RESOURCE, '', pc.metadata!.name!)) store.create(STORE_RESOURCE, pc as PC);
}

export const priorityClassKind: KindDefinition<PC> = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  resource: 'priorityclasses',
  singular: 'priorityclass',
  namespaced: false,
  shortNames: ['pc'],
  decode: (body) => decodeAs(body, 'PriorityClass'),
  prepare: (pc, stored, lookup) => preparePriorityClass(pc, stored, lookup.list('scheduling.k8s.io', 'priorityclasses') as PC[]) as PC,
  beforeDelete(pc) {
    checkPriorityClassDeletion(pc);
    return undefined;
  },
  table: {
    columns: [
      NAME_COLUMN,
      column('Value', 'Value is the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.', { type: 'integer' }),
      column('Global-Default', 'globalDefault specifies whether this PriorityClass should be considered as the default priority.', { type: 'boolean' }),
      AGE_COLUMN,
      column('PreemptionPolicy', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
    ],
    cells: (pc, now) => [pc.metadata?.name, pc.value, pc.globalDefault ?? false, age(pc, now), pc.preemptionPolicy ?? 'PreemptLowerPriority'],
  },
};
