/**
 * Deployment benchmark (DESIGN.md §8), against a private daemon started for the run, beside
 * `podman kube play` of the same 50 pods as separate Pod documents in the same run:
 *   rollout   a 50-replica Deployment, apply → all 50 pods Running (the scheduler, the
 *             Deployment and ReplicaSet controllers and the node agent all on the path)
 *   update    a rolling update of it (new image), set → the rollout complete (50 updated and
 *             available, the old ReplicaSet at 0)
 *   podman    `podman kube play` of 50 Pod documents with the same container, until it returns
 *             (every container started); then `kube play --replace` of them on a new image tag;
 *             then `podman kube down`. Each side runs alone: the daemon is gone before podman starts.
 * Run: node --import tsx bench/deployment.bench.ts [--replicas 50] [--runs 1]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { TestDaemon, allRunning } from '../test/e2e/helpers/test-daemon.js';
import type { KubeObject, Pod } from '../src/core/types.js';

const { values } = parseArgs({ options: { replicas: { type: 'string' }, runs: { type: 'string' } } });
const REPLICAS = Number(values.replicas ?? 50);
const RUNS = Number(values.runs ?? 1);
const COMMAND = ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1 & wait $!; done"];

function deployment(name: string, image: string): Deployment & KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'c', image, command: COMMAND }] } },
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 600_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check()) return performance.now();
    await sleep(20);
  }
  throw new Error(`${what}: not reached in ${timeoutMs} ms`);
}

async function peapodRun(d: TestDaemon, name: string): Promise<{ rollout: number; update: number }> {
  const running = async (image: string): Promise<boolean> => {
    const pods = (await d.client.listPods('default', { labelSelector: `app=${name}` })).items as Pod[];
    return pods.filter((p) => !p.metadata?.deletionTimestamp && p.spec?.containers[0].image === image && allRunning(p)).length === REPLICAS;
  };
  const t0 = performance.now();
  await d.client.createObject(deployment(name, 'localhost/busybox:latest'));
  const rollout = (await until('all pods running', () => running('localhost/busybox:latest'))) - t0;

  const t1 = performance.now();
  const current = await d.client.getObject<Deployment & KubeObject>('apps/v1', 'Deployment', 'default', name);
  await d.client.updateObject({ ...current, spec: { ...current.spec!, template: { ...current.spec!.template, spec: { ...current.spec!.template.spec!, containers: [{ name: 'c', image: 'localhost/busybox:v2', command: COMMAND }] } } } });
  const update =
    (await until('rolling update complete', async () => {
      const dep = await d.client.getObject<Deployment & KubeObject>('apps/v1', 'Deployment', 'default', name);
      const s = dep.status ?? {};
      return (s.observedGeneration ?? 0) >= (dep.metadata?.generation ?? 1) && s.updatedReplicas === REPLICAS && s.replicas === REPLICAS && s.availableReplicas === REPLICAS && (await running('localhost/busybox:v2'));
    })) - t1;
  await d.client.deleteObject('apps/v1', 'Deployment', 'default', name);
  await until('pods gone', async () => (await d.client.listPods('default', { labelSelector: `app=${name}` })).items.length === 0);
  return { rollout, update };
}

/**
 * What to undo at the end, newest first; run by main's finally and by SIGINT/SIGTERM, so an
 * interrupted run leaves no podman pods, images or daemon behind either.
 */
const undo: (() => unknown)[] = [];
async function undoAll(): Promise<void> {
  while (undo.length > 0) {
    try {
      await undo.pop()!();
    } catch (err) {
      process.stderr.write(`cleanup: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

/**
 * podman kube play of the same pods as Pod documents (until it returns: every container started),
 * then `kube play --replace` of them on the new image tag (podman's nearest to a rolling update:
 * every pod replaced at once); podman on runc with limits this VM allows (see pods.bench.ts).
 * Names carry the pid, so a run beside another engineer's touches nothing of theirs.
 */
function podmanRun(): { play: number; replace: number } | undefined {
  if (spawnSync('podman', ['--version']).status !== 0) return undefined;
  const dir = mkdtempSync('/tmp/peapod-bench-podman-');
  undo.push(() => rmSync(dir, { recursive: true, force: true }));
  const conf = `${dir}/containers.conf`;
  writeFileSync(conf, '[containers]\ndefault_ulimits = ["nofile=16384:16384", "nproc=4096:4096"]\n[engine]\nruntime = "runc"\n');
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const image = `localhost/peapod-bench-deploy-${process.pid}`;
  const podmanImages = () => new Set(execFileSync('podman', ['images', '--format', '{{.ID}}'], { encoding: 'utf8' }).split('\n').filter(Boolean));
  // kube play builds podman's pause image the first time: removed again if this run made it.
  const imagesBefore = podmanImages();
  undo.push(() => {
    for (const id of podmanImages()) if (!imagesBefore.has(id)) spawnSync('podman', ['rmi', id], { stdio: 'ignore' });
  });
  const rootfs = `${dir}/rootfs`;
  execFileSync('scripts/make-busybox-rootfs.sh', [rootfs]);
  execFileSync('sh', ['-c', `tar -C ${rootfs} -cf ${dir}/bb.tar . && podman import --change 'ENV PATH=/bin' ${dir}/bb.tar ${image}:v1 && podman tag ${image}:v1 ${image}:v2`], { stdio: 'ignore', env });
  undo.push(() => spawnSync('podman', ['rmi', '-f', `${image}:v1`, `${image}:v2`], { stdio: 'ignore' }));
  const names = Array.from({ length: REPLICAS }, (_, i) => `podman-deploy-${process.pid}-${i}`);
  const manifest = (tag: string) => {
    const file = `${dir}/pods-${tag}.yaml`;
    const docs = names.map((name) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels: { app: 'podman-deploy' } },
        spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'c', image: `${image}:${tag}`, command: COMMAND }] },
      }),
    );
    writeFileSync(file, docs.join('\n---\n'));
    return file;
  };
  const [v1, v2] = [manifest('v1'), manifest('v2')];
  // kube down of either manifest, then the pods by name in case play stopped half way.
  undo.push(() => {
    spawnSync('podman', ['kube', 'down', v2], { stdio: 'ignore', env });
    spawnSync('podman', ['pod', 'rm', '-f', '-i', ...names], { stdio: 'ignore', env });
  });
  const play = (args: string[]): number => {
    const t0 = performance.now();
    execFileSync('podman', ['kube', 'play', ...args], { stdio: 'pipe', env, maxBuffer: 64 * 1024 * 1024 });
    return performance.now() - t0;
  };
  return { play: play([v1]), replace: play(['--replace', v2]) };
}

/** Podman pods, containers and images this run made and did not remove (the leak check). */
function podmanLeftovers(): string[] {
  if (spawnSync('podman', ['--version']).status !== 0) return [];
  const pods = execFileSync('podman', ['pod', 'ls', '--format', '{{.Name}}'], { encoding: 'utf8' }).split('\n').filter((n) => n.startsWith(`podman-deploy-${process.pid}-`));
  const images = execFileSync('podman', ['images', '--format', '{{.Repository}}'], { encoding: 'utf8' }).split('\n').filter((n) => n.includes(`peapod-bench-deploy-${process.pid}`));
  return [...pods, ...images];
}

async function main(): Promise<void> {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`${sig}: cleaning up\n`);
      void undoAll().finally(() => process.exit(130));
    });
  }
  const report: string[] = [];
  try {
    const d = new TestDaemon();
    undo.push(() => d.cleanup());
    await d.start();
    await d.importBusybox();
    await d.client.importImage({ source: `${d.base}/busybox-rootfs`, name: 'busybox:v2', changes: ['ENV PATH=/bin', 'CMD ["sh"]'] });
    const runs: { rollout: number; update: number }[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await peapodRun(d, `bench-${i}`));
    const rollout = Math.min(...runs.map((r) => r.rollout));
    const update = Math.min(...runs.map((r) => r.update));
    await undoAll(); // the daemon goes before podman starts: each measured on a machine without the other
    report.push(`peapod: ${REPLICAS}-replica Deployment, apply → all Running: ${(rollout / 1000).toFixed(2)} s (${((REPLICAS * 1000) / rollout).toFixed(1)} pods/s)`);
    report.push(`peapod: rolling update of it (25 % surge, 25 % unavailable), set image → rollout complete: ${(update / 1000).toFixed(2)} s`);
    const podman = podmanRun();
    if (podman !== undefined) {
      report.push(`podman kube play of the same ${REPLICAS} pods as Pod documents: ${(podman.play / 1000).toFixed(2)} s → peapod's rollout takes ${(rollout / podman.play).toFixed(2)}× podman's time`);
      report.push(`podman kube play --replace of them on a new image tag (all at once): ${(podman.replace / 1000).toFixed(2)} s → peapod's rolling update takes ${(update / podman.replace).toFixed(2)}× podman's time`);
    } else {
      report.push('podman: not installed, no side-by-side figure (apt-get install podman to get one)');
    }
  } finally {
    await undoAll();
  }
  const left = podmanLeftovers();
  if (left.length > 0) throw new Error(`left in podman after the run: ${left.join(', ')}`);
  process.stdout.write(`${report.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
