import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestAttributes } from './request-attributes.js';

const q = (s = '') => new URLSearchParams(s);

test('verbs, groups, resources, names, namespaces and subresources as RBAC sees them', () => {
  assert.deepEqual(requestAttributes('GET', '/api/v1/namespaces/app/pods', q()), { kind: 'resource', verb: 'list', apiGroup: '', resource: 'pods', namespace: 'app' });
  assert.deepEqual(requestAttributes('GET', '/api/v1/namespaces/app/pods', q('watch=true')).verb, 'watch');
  assert.deepEqual(requestAttributes('GET', '/api/v1/pods', q()), { kind: 'resource', verb: 'list', apiGroup: '', resource: 'pods' });
  assert.deepEqual(requestAttributes('GET', '/api/v1/namespaces/app/pods/web/log', q()), { kind: 'resource', verb: 'get', apiGroup: '', resource: 'pods', name: 'web', subresource: 'log', namespace: 'app' });
  assert.deepEqual(requestAttributes('POST', '/api/v1/namespaces/app/pods/web/exec', q(), true).verb, 'create');
  assert.deepEqual(requestAttributes('GET', '/api/v1/namespaces/app/pods/web/exec', q(), true).verb, 'create', 'a websocket exec needs create');
  assert.deepEqual(requestAttributes('DELETE', '/apis/apps/v1/namespaces/app/deployments', q()), { kind: 'resource', verb: 'deletecollection', apiGroup: 'apps', resource: 'deployments', namespace: 'app' });
  assert.deepEqual(requestAttributes('PATCH', '/apis/apps/v1/namespaces/app/deployments/web/scale', q()), { kind: 'resource', verb: 'patch', apiGroup: 'apps', resource: 'deployments', name: 'web', subresource: 'scale', namespace: 'app' });
  assert.deepEqual(requestAttributes('GET', '/api/v1/namespaces/app', q()), { kind: 'resource', verb: 'get', apiGroup: '', resource: 'namespaces', name: 'app', namespace: 'app' });
  assert.deepEqual(requestAttributes('PUT', '/api/v1/namespaces/app/status', q()), { kind: 'resource', verb: 'update', apiGroup: '', resource: 'namespaces', name: 'app', subresource: 'status', namespace: 'app' });
  assert.deepEqual(requestAttributes('GET', '/api/v1/watch/namespaces/app/pods', q()).verb, 'watch');
  assert.deepEqual(requestAttributes('GET', '/apis/apps/v1', q()), { kind: 'nonResource', verb: 'get', path: '/apis/apps/v1' });
  assert.deepEqual(requestAttributes('GET', '/version', q()), { kind: 'nonResource', verb: 'get', path: '/version' });
  assert.deepEqual(requestAttributes('POST', '/api/v1/namespaces/app/serviceaccounts/default/token', q()), { kind: 'resource', verb: 'create', apiGroup: '', resource: 'serviceaccounts', name: 'default', subresource: 'token', namespace: 'app' });
});
