/**
 * @module NetworkProber from the host network namespace (pod IPs are routable from it): the
 * kubelet's HTTP (pkg/probe/http), TCP and gRPC probers. One fresh connection per probe
 * (keep-alives off, as the kubelet's probe transport), one deadline per probe covering connect,
 * redirects and the body.
 */
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import type { HttpProbeRequest, NetworkProbeResult, NetworkProber } from '../../core/ports.js';
import { DeadlineError, dialError, hostPort } from './dial-error.js';
import { grpcHealthCheck } from './grpc-health.js';

const MAX_BODY = 10 * 1024;
const MAX_REDIRECTS = 10;
const USER_AGENT = 'kube-probe/1.32';

interface Answer {
  status: number;
  location: string | undefined;
  body: string;
}

export class NetProber implements NetworkProber {
  async httpGet(req: HttpProbeRequest): Promise<NetworkProbeResult> {
    const deadline = Date.now() + req.timeoutMs;
    const first = new URL(`${req.scheme === 'HTTPS' ? 'https' : 'http'}://${hostPort(req.host, req.port)}${req.path}`);
    let url = first;
    for (let redirects = 0; ; redirects++) {
      let a: Answer;
      try {
        a = await getOnce(url, req.headers, deadline);
      } catch (err) {
        const e = err as Error & { code?: string };
        const why =
          e instanceof DeadlineError
            ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
            : e.code && /^E[A-Z]+$/.test(e.code) && e.code !== 'ECONNRESET'
              ? dialError(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || (url.protocol === 'https:' ? 443 : 80)), e)
              : e.message;
        return { result: 'failure', message: `Get ${JSON.stringify(url.href)}: ${why}` };
      }
      if (isRedirect(a.status) && a.location !== undefined) {
        let next: URL | undefined;
        try {
          next = new URL(a.location, url);
        } catch {
          next = undefined;
        }
        // Same host (any port): follow, as the kubelet's redirect checker; otherwise keep this answer.
        if (next && next.hostname === first.hostname && redirects < MAX_REDIRECTS && (next.protocol === 'http:' || next.protocol === 'https:')) {
          url = next;
          continue;
        }
      }
      if (a.status >= 200 && a.status < 400) {
        if (a.status >= 300) return { result: 'warning', message: `Probe terminated redirects, Response body: ${a.body}` };
        return { result: 'success', message: a.body };
      }
      return { result: 'failure', message: `HTTP probe failed with statuscode: ${a.status}` };
    }
  }

  tcp(req: { host: string; port: number; timeoutMs: number }): Promise<NetworkProbeResult> {
    return new Promise((resolve) => {
      const socket = tcpConnect({ host: req.host, port: req.port });
      const done = (r: NetworkProbeResult) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(r);
      };
      const timer = setTimeout(() => done({ result: 'failure', message: `dial tcp ${hostPort(req.host, req.port)}: i/o timeout` }), req.timeoutMs);
      socket.once('connect', () => done({ result: 'success', message: '' }));
      socket.once('error', (err) => done({ result: 'failure', message: dialError(req.host, req.port, err) }));
    });
  }

  grpc(req: { host: string; port: number; service: string; timeoutMs: number }): Promise<NetworkProbeResult> {
    return grpcHealthCheck(req, USER_AGENT);
  }
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** Header pairs → node's header object; repeated names become lists, first spelling kept. */
function headerObject(pairs: ReadonlyArray<readonly [string, string]>): OutgoingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  const spelled = new Map<string, string>();
  for (const [name, value] of pairs) {
    const key = spelled.get(name.toLowerCase()) ?? name;
    spelled.set(name.toLowerCase(), key);
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

function getOnce(url: URL, headers: ReadonlyArray<readonly [string, string]>, deadline: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return reject(new DeadlineError('deadline'));
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    // Bare LF line ends are accepted, as Go's client (the kubelet's) accepts them.
    const req = request(url, { method: 'GET', headers: headerObject(headers), agent: false, rejectUnauthorized: false, insecureHTTPParser: true }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const answer = (): Answer => ({
        status: res.statusCode ?? 0,
        location: typeof res.headers.location === 'string' ? res.headers.location : undefined,
        body: Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8'),
      });
      res.on('data', (c: Buffer) => {
        if (size < MAX_BODY) chunks.push(c);
        size += c.length;
        // The kubelet reads at most 10 KiB; what follows is not waited for.
        if (size >= MAX_BODY) {
          finish(() => resolve(answer()));
          req.destroy();
        }
      });
      res.on('end', () => finish(() => resolve(answer())));
      res.on('error', () => finish(() => resolve(answer())));
      res.on('close', () => finish(() => resolve(answer())));
    });
    const timer = setTimeout(() => {
      finish(() => reject(new DeadlineError('deadline')));
      req.destroy();
    }, remaining);
    req.on('error', (err) => finish(() => reject(err)));
    req.end();
  });
}
