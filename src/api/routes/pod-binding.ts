/** @module POST /api/v1/namespaces/{ns}/pods/{name}/binding: a v1 Binding assigns the pod to its target node. */
import { BadRequestError } from '../../core/errors.js';
import type { Reply, RequestContext } from '../context.js';
import { checkTypeMeta, decodeObject, mediaType, readBody } from '../http-util.js';
import { bindPod } from '../registry/kinds/pod-binding.js';
import type { Router } from '../router.js';
import { successStatus } from '../status.js';

async function bind(ctx: RequestContext): Promise<Reply> {
  const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req)) as { metadata?: { name?: string; uid?: string }; target?: { kind?: string; name?: string } };
  checkTypeMeta(body, 'v1', 'Binding');
  if (body.metadata?.name !== undefined && body.metadata.name !== ctx.params.name) {
    throw new BadRequestError(`the name of the object (${body.metadata.name}) does not match the name on the URL (${ctx.params.name})`);
  }
  if (body.target?.kind !== undefined && body.target.kind !== '' && body.target.kind !== 'Node') throw new BadRequestError(`target.kind: only Node is supported, not ${body.target.kind}`);
  bindPod(ctx.deps.objects, ctx.deps.registry, ctx.deps.clock.now(), { namespace: ctx.params.namespace, name: ctx.params.name, target: body.target?.name ?? '', uid: body.metadata?.uid });
  return { code: 201, body: successStatus() };
}

export function addPodBindingRoutes(router: Router): void {
  router.add('/api/v1/namespaces/:namespace/pods/:name/binding', { POST: bind });
}
