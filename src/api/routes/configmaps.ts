/** @module /api/v1/[namespaces/{ns}/]configmaps: data and binaryData checked, `immutable` honoured. */
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { decodeConfigMap, validateConfigMap } from '../../core/config-objects.js';
import type { Router } from '../router.js';
import { addNamespacedObjectRoutes } from './namespaced-objects.js';

export function addConfigMapRoutes(router: Router): void {
  addNamespacedObjectRoutes<ConfigMap>(router, {
    kind: 'ConfigMap',
    resource: 'configmaps',
    prepare(raw, stored) {
      const cm = decodeConfigMap(raw);
      validateConfigMap(cm, stored);
      return cm;
    },
  });
}
