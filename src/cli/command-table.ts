/**
 * @module The commands and where their code lives. Loaded lazily so `peapod version` does not pay
 * for yaml, ws and every printer.
 */
import type { Command } from './cli-context.js';

export interface CommandEntry {
  name: string;
  aliases?: string[];
  summary: string;
  load: () => Promise<Command>;
}

export const commandTable: CommandEntry[] = [
  { name: 'apply', summary: 'Create or update objects from manifests (-f FILE|-)', load: async () => (await import('./commands/apply.js')).applyCommand },
  { name: 'get', summary: 'List pods or namespaces', load: async () => (await import('./commands/get.js')).getCommand },
  { name: 'describe', summary: 'Show details of a pod', load: async () => (await import('./commands/describe.js')).describeCommand },
  { name: 'logs', summary: "Print a container's logs", load: async () => (await import('./commands/logs.js')).logsCommand },
  { name: 'exec', summary: 'Run a command in a container', load: async () => (await import('./commands/exec.js')).execCommand },
  { name: 'attach', summary: 'Attach to a running container', load: async () => (await import('./commands/attach.js')).attachCommand },
  { name: 'delete', summary: 'Delete pods or namespaces, by name or from manifests', load: async () => (await import('./commands/delete.js')).deleteCommand },
  { name: 'image', aliases: ['images'], summary: 'Manage local images: import, load, ls, rm', load: async () => (await import('./commands/image.js')).imageCommand },
  { name: 'dashboard', summary: 'Print a one-time sign-in link to the web dashboard', load: async () => (await import('./commands/dashboard.js')).dashboardCommand },
  { name: 'kubeconfig', summary: 'Print the admin kubeconfig for kubectl', load: async () => (await import('./commands/kubeconfig.js')).kubeconfigCommand },
  { name: 'version', summary: 'Print the client and server versions', load: async () => (await import('./commands/version.js')).versionCommand },
];

/** Dispatched to the daemon module, not through the client. */
export const daemonCommands: { name: string; summary: string }[] = [
  { name: 'serve', summary: 'Run the peapod daemon' },
  { name: 'reset', summary: 'Stop everything peapod runs and remove its state' },
  { name: 'service', summary: 'Install or uninstall peapod as a systemd service' },
];

export function findCommand(name: string): CommandEntry | undefined {
  return commandTable.find((c) => c.name === name || c.aliases?.includes(name));
}
