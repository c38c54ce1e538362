/**
 * @module A GET from the node for lifecycle hooks: resolves with the status code once an answer
 * arrived (any status), rejects on connection errors and timeouts. HTTPS skips verification, as
 * the kubelet's hook client does. At most 10 KiB of the body is read. The parser accepts bare LF line
 * ends, as Go's client does (small servers such as busybox httpd send them).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export function httpGetStatus(url: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      u,
      { method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false, agent: false, insecureHTTPParser: true },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > 10 * 1024) res.destroy();
        });
        res.on('close', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
