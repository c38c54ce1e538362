/**
 * @module TokenRequest (serviceaccounts/<name>/token, `kubectl create token`, and the node agent's
 * projected tokens): a bound token for a ServiceAccount that exists, bound to the Pod (or Secret)
 * named in boundObjectRef when that object exists with the given uid, signed with the daemon's
 * service-account key.
 */
import type { KeyObject } from 'node:crypto';
import type { BoundObjectReference, TokenRequestSpec } from 'kubernetes-types/authentication/v1.js';
import { BadRequestError, NotFoundError } from '../core/errors.js';
import { fieldErrors as fe, throwIfInvalid } from '../core/field-error.js';
import type { Clock, ObjectStore } from '../core/ports.js';
import { rfc3339Seconds } from '../core/rfc3339.js';
import { keyId, signToken, tokenClaims } from '../core/service-account-token.js';
import type { KubeObject, ServiceAccount } from '../core/types.js';

export interface IssuedToken {
  token: string;
  expirationTimestamp: string;
}

export class ServiceAccountTokenIssuer {
  private readonly kid: string;

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    private readonly privateKey: KeyObject,
    publicKey: KeyObject,
  ) {
    this.kid = keyId(publicKey);
  }

  issue(namespace: string, serviceAccount: string, spec: Partial<TokenRequestSpec> = {}): IssuedToken {
    const sa = this.store.tryGet<ServiceAccount>('serviceaccounts', namespace, serviceAccount);
    if (!sa) throw new NotFoundError(`serviceaccounts "${serviceAccount}" not found`, { name: serviceAccount, kind: 'serviceaccounts' });
    if (spec.audiences !== undefined && (!Array.isArray(spec.audiences) || spec.audiences.some((a) => typeof a !== 'string'))) {
      throw new BadRequestError('TokenRequest in version "v1" cannot be handled as a TokenRequest: spec.audiences must be a list of strings');
    }
    const bound = this.bound(namespace, serviceAccount, spec.boundObjectRef);
    const claims = tokenClaims(
      {
        namespace,
        serviceAccount: { name: serviceAccount, uid: sa.metadata!.uid! },
        audiences: spec.audiences ?? [],
        ...(spec.expirationSeconds !== undefined ? { expirationSeconds: spec.expirationSeconds } : {}),
        ...(bound?.kind === 'Pod' ? { pod: bound.ref } : {}),
        ...(bound?.kind === 'Node' ? { node: bound.ref } : {}),
      },
      this.clock.now(),
    );
    return { token: signToken(claims, this.privateKey, this.kid), expirationTimestamp: rfc3339Seconds(claims.exp * 1000) };
  }

  private bound(namespace: string, sa: string, ref: BoundObjectReference | undefined): { kind: string; ref: { name: string; uid: string } } | undefined {
    if (!ref) return undefined;
    const kinds: Record<string, [string, boolean]> = { Pod: ['pods', true], Secret: ['secrets', true], Node: ['nodes', false] };
    const k = kinds[ref.kind ?? ''];
    if (!k) throwIfInvalid('TokenRequest', sa, [fe.notSupported('spec.boundObjectRef.kind', ref.kind ?? '', Object.keys(kinds))]);
    const [resource, namespaced] = k;
    const obj = this.store.tryGet<KubeObject>(resource, namespaced ? namespace : '', ref.name ?? '');
    if (!obj || (ref.uid && obj.metadata?.uid !== ref.uid)) {
      throw new NotFoundError(`${resource} "${ref.name ?? ''}" not found`, { name: ref.name, kind: resource });
    }
    return { kind: ref.kind!, ref: { name: ref.name!, uid: obj.metadata!.uid! } };
  }
}
