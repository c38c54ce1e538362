/**
 * @module The host's resolver configuration, read where the kubelet on a systemd-resolved host is
 * pointed (kubeadm's `resolvConf: /run/systemd/resolve/resolv.conf`): the file listing the real
 * upstream servers, not the 127.0.0.53 stub; else /etc/resolv.conf. Cluster DNS forwards to those
 * servers, and pods get the file's search domains.
 */
import { readFileSync } from 'node:fs';
import { parseResolvConf } from '../../core/pod-files.js';
import type { UpstreamServer } from './dns-forwarder.js';

export const SYSTEMD_RESOLVED_CONF = '/run/systemd/resolve/resolv.conf';
export const RESOLV_CONF = '/etc/resolv.conf';

/** The text of the host's resolver file (the systemd-resolved one when present), '' when there is none. */
export function readHostResolvConf(candidates: readonly string[] = [SYSTEMD_RESOLVED_CONF, RESOLV_CONF]): string {
  for (const path of candidates) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      // Next candidate.
    }
  }
  return '';
}

/** The nameservers of a resolver file, port 53, without systemd-resolved's stubs (127.0.0.53/54). */
export function upstreamServers(resolvConf: string): UpstreamServer[] {
  return parseResolvConf(resolvConf)
    .nameservers.filter((ip) => ip !== '127.0.0.53' && ip !== '127.0.0.54')
    .map((host) => ({ host: host.replace(/%.*$/, ''), port: 53 }));
}

/** `IP`, `IP:PORT` or `[IPv6]:PORT`, comma-separated (the --dns-upstream flag). */
export function parseUpstreamList(value: string): UpstreamServer[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const m = /^(?:\[([0-9a-fA-F:.]+)\]|(\d+\.\d+\.\d+\.\d+)|([0-9a-fA-F:]+))(?::(\d{1,5}))?$/.exec(s);
      const bracketedOrV4 = m && (m[1] ?? m[2]);
      if (!m || (m[3] !== undefined && m[4] !== undefined) || Number(m[4] ?? 53) > 65535 || Number(m[4] ?? 53) < 1) {
        throw new Error(`${s}: want IP, IP:PORT or [IPv6]:PORT`);
      }
      return { host: bracketedOrV4 ?? m[3], port: Number(m[4] ?? 53) };
    });
}
