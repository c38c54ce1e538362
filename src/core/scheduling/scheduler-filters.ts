/**
 * @module kube-scheduler's filters for a pod against a node, pure, in the default profile's
 * order (NodeUnschedulable, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit,
 * PodTopologySpread, InterPodAffinity), each failing with the scheduler's own words; and the
 * FailedScheduling message built from them (`0/1 nodes are available: 1 node(s) didn't match
 * Pod's node affinity/selector. preemption: ...`). A node's first failing filter decides, as
 * upstream stops at it.
 */
import type { PodAffinityTerm, Taint, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { selectorMatches } from '../label-selector.js';
import { parseQuantity } from '../quantity.js';
import type { Container, Namespace, Node, Pod } from '../types.js';
import { podMatchesNodeAffinity, toleratesTaint, untoleratedTaint } from './node-matching.js';

/** A node with the pods bound to it that still hold resources (not finished). */
export interface NodeInfo {
  node: Node;
  pods: Pod[];
}

export interface FilterFailure {
  plugin: string;
  reasons: string[];
  /** Preemption could not help (affinity, taints...): as upstream's UnschedulableAndUnresolvable. */
  unresolvable: boolean;
}

type Filter = (pod: Pod, info: NodeInfo, all: readonly NodeInfo[], namespaces: readonly Namespace[]) => FilterFailure | undefined;

const fail = (plugin: string, unresolvable: boolean, ...reasons: string[]): FilterFailure => ({ plugin, reasons, unresolvable });

const nodeUnschedulable: Filter = (pod, { node }) => {
  if (!node.spec?.unschedulable) return undefined;
  const taint: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
  if ((pod.spec?.tolerations ?? []).some((t) => toleratesTaint(t, taint))) return undefined;
  return fail('NodeUnschedulable', true, 'node(s) were unschedulable');
};

const taintToleration: Filter = (pod, { node }) => {
  const taint = untoleratedTaint(node.spec?.taints as Taint[] | undefined, pod.spec?.tolerations, ['NoSchedule', 'NoExecute']);
  return taint ? fail('TaintToleration', true, `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`) : undefined;
};

const nodeAffinity: Filter = (pod, { node }) => (podMatchesNodeAffinity(pod.spec, node) ? undefined : fail('NodeAffinity', true, "node(s) didn't match Pod's node affinity/selector"));

interface PortKey {
  ip: string;
  protocol: string;
  port: number;
}

function hostPorts(pod: Pod): PortKey[] {
  const all: Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  return all.flatMap((c) => (c.ports ?? []).filter((p) => (p.hostPort ?? 0) > 0).map((p) => ({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort! })));
}

const conflicts = (a: PortKey, b: PortKey): boolean => a.port === b.port && a.protocol === b.protocol && (a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0');

const nodePorts: Filter = (pod, { pods }) => {
  const wanted = hostPorts(pod);
  if (wanted.length === 0) return undefined;
  const used = pods.flatMap(hostPorts);
  return wanted.some((w) => used.some((u) => conflicts(w, u))) ? fail('NodePorts', false, "node(s) didn't have free ports for the requested pod ports") : undefined;
};

/** A quantity in the scheduler's units: millicores for cpu, plain units (bytes, counts) otherwise. */
function units(resource: string, value: string | number): number {
  const nano = parseQuantity(String(value)).nano;
  return resource === 'cpu' ? Number((nano + 999_999n) / 1_000_000n) : Number((nano + 999_999_999n) / 1_000_000_000n);
}

function containerRequests(c: Container): Map<string, number> {
  const out = new Map<string, number>();
  const req = (c.resources?.requests ?? {}) as Record<string, string>;
  const lim = (c.resources?.limits ?? {}) as Record<string, string>;
  for (const name of new Set([...Object.keys(req), ...Object.keys(lim)])) {
    const v = req[name] ?? lim[name];
    if (v !== undefined) out.set(name, units(name, v));
  }
  return out;
}

/** The pod's effective requests per resource (PodRequests): max(apps + sidecars, largest init + earlier sidecars) + overhead. */
export function podResourceRequests(pod: Pod): Map<string, number> {
  const sum = new Map<string, number>();
  const add = (into: Map<string, number>, from: Map<string, number>): void => {
    for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
  };
  for (const c of pod.spec?.containers ?? []) add(sum, containerRequests(c));
  const sidecars = new Map<string, number>();
  const initMax = new Map<string, number>();
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c);
    if (c.restartPolicy === 'Always') {
      add(sum, r);
      add(sidecars, r);
      for (const [k, v] of sidecars) initMax.set(k, Math.max(initMax.get(k) ?? 0, v));
    } else {
      for (const k of new Set([...r.keys(), ...sidecars.keys()])) initMax.set(k, Math.max(initMax.get(k) ?? 0, (r.get(k) ?? 0) + (sidecars.get(k) ?? 0)));
    }
  }
  const out = new Map<string, number>();
  for (const k of new Set([...sum.keys(), ...initMax.keys()])) out.set(k, Math.max(sum.get(k) ?? 0, initMax.get(k) ?? 0));
  for (const [k, v] of Object.entries((pod.spec?.overhead ?? {}) as Record<string, string>)) out.set(k, (out.get(k) ?? 0) + units(k, v));
  return out;
}

const nodeResourcesFit: Filter = (pod, { node, pods }) => {
  const allocatable = (node.status?.allocatable ?? {}) as Record<string, string>;
  const reasons: string[] = [];
  const maxPods = allocatable.pods !== undefined ? units('pods', allocatable.pods) : 110;
  if (pods.length + 1 > maxPods) reasons.push('Too many pods');
  const want = podResourceRequests(pod);
  const used = new Map<string, number>();
  for (const p of pods) for (const [k, v] of podResourceRequests(p)) used.set(k, (used.get(k) ?? 0) + v);
  const order = ['cpu', 'memory', 'ephemeral-storage'];
  const names = [...want.keys()].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || (a < b ? -1 : 1));
  for (const name of names) {
    const w = want.get(name)!;
    if (w === 0) continue;
    const cap = allocatable[name] !== undefined ? units(name, allocatable[name]) : 0;
    if (w > cap - (used.get(name) ?? 0)) reasons.push(`Insufficient ${name}`);
  }
  return reasons.length ? fail('NodeResourcesFit', false, ...reasons) : undefined;
};

/** The pods a spread constraint or an affinity term counts: the selector's, in its namespaces. */
function matchingPods(term: { labelSelector?: PodAffinityTerm['labelSelector']; namespaces?: string[]; namespaceSelector?: PodAffinityTerm['namespaceSelector'] }, pod: Pod, pods: readonly Pod[], namespaces: readonly Namespace[]): Pod[] {
  const own = pod.metadata?.namespace ?? 'default';
  const nsAllowed = (ns: string | undefined): boolean => {
    if (term.namespaces?.length || term.namespaceSelector) {
      if (term.namespaces?.includes(ns ?? '')) return true;
      if (term.namespaceSelector) return selectorMatches(term.namespaceSelector, namespaces.find((n) => n.metadata?.name === ns)?.metadata?.labels);
      return false;
    }
    return ns === own;
  };
  return pods.filter((p) => nsAllowed(p.metadata?.namespace) && selectorMatches(term.labelSelector ?? undefined, p.metadata?.labels));
}

const podTopologySpread: Filter = (pod, info, all, namespaces) => {
  const hard = (pod.spec?.topologySpreadConstraints ?? []).filter((c: TopologySpreadConstraint) => c.whenUnsatisfiable === 'DoNotSchedule');
  for (const c of hard) {
    const domain = info.node.metadata?.labels?.[c.topologyKey];
    if (domain === undefined) return fail('PodTopologySpread', true, "node(s) didn't match pod topology spread constraints (missing required label)");
    const eligible = all.filter((n) => n.node.metadata?.labels?.[c.topologyKey] !== undefined && ((c.nodeAffinityPolicy ?? 'Honor') === 'Ignore' || podMatchesNodeAffinity(pod.spec, n.node)));
    const counts = new Map<string, number>();
    for (const n of eligible) {
      const d = n.node.metadata!.labels![c.topologyKey];
      counts.set(d, (counts.get(d) ?? 0) + matchingPods({ labelSelector: c.labelSelector }, pod, n.pods, namespaces).length);
    }
    let min = counts.size ? Math.min(...counts.values()) : 0;
    if (c.minDomains !== undefined && counts.size < c.minDomains) min = 0;
    const selfMatch = selectorMatches(c.labelSelector ?? undefined, pod.metadata?.labels) ? 1 : 0;
    if ((counts.get(domain) ?? 0) + selfMatch - min > c.maxSkew) return fail('PodTopologySpread', false, "node(s) didn't match pod topology spread constraints");
  }
  return undefined;
};

const interPodAffinity: Filter = (pod, info, all, namespaces) => {
  const inDomain = (key: string): NodeInfo[] => {
    const v = info.node.metadata?.labels?.[key];
    return v === undefined ? [] : all.filter((n) => n.node.metadata?.labels?.[key] === v);
  };
  const allPods = all.flatMap((n) => n.pods);
  for (const term of pod.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
    const here = inDomain(term.topologyKey).flatMap((n) => n.pods);
    if (matchingPods(term, pod, here, namespaces).length > 0) continue;
    // The first pod of a group may match its own affinity when no pod anywhere does.
    const selfMatch = info.node.metadata?.labels?.[term.topologyKey] !== undefined && selectorMatches(term.labelSelector ?? undefined, pod.metadata?.labels);
    if (selfMatch && matchingPods(term, pod, allPods, namespaces).length === 0) continue;
    return fail('InterPodAffinity', true, "node(s) didn't match pod affinity rules");
  }
  for (const term of pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
    if (matchingPods(term, pod, inDomain(term.topologyKey).flatMap((n) => n.pods), namespaces).length > 0) {
      return fail('InterPodAffinity', false, "node(s) didn't match pod anti-affinity rules");
    }
  }
  for (const existing of allPods) {
    for (const term of existing.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      const existingNode = all.find((n) => n.pods.includes(existing))?.node;
      const v = existingNode?.metadata?.labels?.[term.topologyKey];
      if (v === undefined || info.node.metadata?.labels?.[term.topologyKey] !== v) continue;
      if (matchingPods(term, existing, [pod], namespaces).length > 0) return fail('InterPodAffinity', false, "node(s) didn't satisfy existing pods anti-affinity rules");
    }
  }
  return undefined;
};

const FILTERS: readonly Filter[] = [nodeUnschedulable, taintToleration, nodeAffinity, nodePorts, nodeResourcesFit, podTopologySpread, interPodAffinity];

/** The first filter the node fails for the pod, or undefined when the pod fits. */
export function filterNode(pod: Pod, info: NodeInfo, all: readonly NodeInfo[], namespaces: readonly Namespace[] = []): FilterFailure | undefined {
  for (const f of FILTERS) {
    const r = f(pod, info, all, namespaces);
    if (r) return r;
  }
  return undefined;
}

/**
 * FitError's message: `0/N nodes are available: ` + each reason with its node count, sorted, then
 * the preemption summary (peapod does not preempt: resource shortages find no victims, the
 * others cannot be helped).
 */
export function failedSchedulingMessage(total: number, failures: readonly FilterFailure[]): string {
  const counts = new Map<string, number>();
  for (const f of failures) for (const r of f.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const reasons = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  const head = `0/${total} nodes are available: ${reasons.join(', ')}.`;
  const helpless = failures.filter((f) => f.unresolvable).length;
  const noVictims = failures.length - helpless;
  const pre = [noVictims ? `${noVictims} No preemption victims found for incoming pod` : '', helpless ? `${helpless} Preemption is not helpful for scheduling` : ''].filter(Boolean).sort();
  return total === 0 ? 'no nodes available to schedule pods' : `${head} preemption: 0/${total} nodes are available: ${pre.join(', ')}.`;
}
