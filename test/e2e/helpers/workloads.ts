/**
 * @module What the Deployment and workload e2e files share: the Deployment they apply (an app
 * that exits on TERM, so rollouts are quick) and waits on its pods.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pod } from '../../../src/core/types.js';
import type { TestDaemon } from './test-daemon.js';
import { stretch } from './time-factor.js';

/** A Deployment of `replicas` busybox pods labelled app=NAME; `extra` lines go in its spec. */
export const deploymentYaml = (name: string, replicas: number, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
${extra}${podTemplateYaml(name)}`;

/** A workload's `template:` (at the spec's indent): busybox pods labelled app=NAME that exit on TERM. */
export const podTemplateYaml = (name: string): string => `  template:
    metadata:
      labels: {app: ${name}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: localhost/busybox:latest
        command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
`;

export const isReady = (p: Pod): boolean => !p.metadata?.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

export function workloadWaits(d: () => TestDaemon) {
  const podsOf = async (app: string): Promise<Pod[]> => (await d().client.listPods('default', { labelSelector: `app=${app}` })).items;
  async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + stretch(timeoutMs);
    while (Date.now() < deadline) {
      if (await check()) return;
      await sleep(200);
    }
    throw new Error(`${what}: not reached in ${timeoutMs} ms\n${d().log()}`);
  }
  return { podsOf, waitFor };
}
