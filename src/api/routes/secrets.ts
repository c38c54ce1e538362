/** @module /api/v1/[namespaces/{ns}/]secrets: data base64, stringData merged and dropped, type Opaque by default. */
import type { Secret } from 'kubernetes-types/core/v1.js';
import { decodeSecret, validateSecret } from '../../core/config-objects.js';
import type { Router } from '../router.js';
import { addNamespacedObjectRoutes } from './namespaced-objects.js';

export function addSecretRoutes(router: Router): void {
  addNamespacedObjectRoutes<Secret>(router, {
    kind: 'Secret',
    resource: 'secrets',
    prepare(raw, stored) {
      const secret = decodeSecret(raw);
      validateSecret(secret, stored);
      return secret;
    },
  });
}
