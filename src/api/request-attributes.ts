/**
 * @module What an HTTP request asks to do, in RBAC's terms (apiserver's RequestInfoFactory): the
 * verb from the method (get/list/watch, create, update, patch, delete/deletecollection), and the
 * API group, resource, subresource, namespace and name from the path; anything outside
 * /api/v1/... and /apis/<group>/<version>/... with a resource is a non-resource request (its
 * path). Streaming upgrades (exec, attach, portforward) need `create`, as in upstream 1.32. Pure.
 */
import type { RequestAttributes } from '../core/rbac-authorizer.js';

const READ_VERB: Record<string, string> = { GET: 'get', HEAD: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

export function requestAttributes(method: string, pathname: string, query: URLSearchParams, upgrade = false): RequestAttributes {
  const parts = pathname.split('/').filter((p) => p !== '').map((p) => safeDecode(p));
  let rest: string[];
  let apiGroup: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    apiGroup = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    apiGroup = parts[1];
    rest = parts.slice(3);
  } else {
    return { kind: 'nonResource', verb: method === 'HEAD' ? 'get' : method.toLowerCase(), path: pathname };
  }
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  // /namespaces/{ns}/{resource}...: a namespaced resource; /namespaces/{name}[/status] is the namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 2) {
    namespace = rest[1];
    if (rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') rest = rest.slice(2);
  }
  const [resource = '', name, subresource] = rest;
  let verb = READ_VERB[method] ?? method.toLowerCase();
  if (upgrade) verb = 'create';
  else if (method === 'GET' || method === 'HEAD') {
    if (watchPath || query.get('watch') === 'true' || query.get('watch') === '1') verb = 'watch';
    else if (name === undefined) verb = 'list';
  } else if (method === 'DELETE' && name === undefined) verb = 'deletecollection';
  return {
    kind: 'resource',
    verb,
    apiGroup,
    resource,
    ...(subresource ? { subresource } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
