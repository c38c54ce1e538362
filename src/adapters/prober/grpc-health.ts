/**
 * @module The standard gRPC health check (grpc.health.v1.Health/Check) over cleartext HTTP/2,
 * with the two one-field protobuf messages encoded by hand: HealthCheckRequest{string service=1}
 * and HealthCheckResponse{ServingStatus status=1}. Messages as the kubelet's grpc prober words them.
 */
import { connect, constants } from 'node:http2';
import type { NetworkProbeResult } from '../../core/ports.js';
import { dialError, hostPort } from './dial-error.js';

const STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const GRPC_UNIMPLEMENTED = 12;

export function encodeHealthRequest(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  const body = s.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a]), varint(s.length), s]);
  const frame = Buffer.alloc(5);
  frame.writeUInt32BE(body.length, 1);
  return Buffer.concat([frame, body]);
}

/** The status of the first length-prefixed message; undefined when the bytes are not one. */
export function decodeHealthResponse(data: Buffer): number | undefined {
  if (data.length < 5 || data[0] !== 0) return undefined;
  const len = data.readUInt32BE(1);
  if (data.length < 5 + len) return undefined;
  const msg = data.subarray(5, 5 + len);
  let status = 0; // proto3: an absent field is its zero value, UNKNOWN
  let i = 0;
  while (i < msg.length) {
    const [tag, a] = readVarint(msg, i);
    i = a;
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) {
      const [v, b] = readVarint(msg, i);
      i = b;
      if (field === 1) status = v;
    } else if (wire === 2) {
      const [l, b] = readVarint(msg, i);
      i = b + l;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else return undefined;
  }
  return i === msg.length ? status : undefined;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

function readVarint(b: Buffer, i: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    if (i >= b.length || shift > 35) throw new Error('bad varint');
    const byte = b[i++]!;
    v += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return [v, i];
    shift += 7;
  }
}

export function grpcHealthCheck(req: { host: string; port: number; service: string; timeoutMs: number }, userAgent: string): Promise<NetworkProbeResult> {
  const addr = hostPort(req.host, req.port);
  const within = `${req.timeoutMs / 1000}s`;
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const session = connect(`http://${addr}`);
    const done = (r: NetworkProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () =>
        done({
          result: 'failure',
          message: connected ? `timeout: health rpc did not complete within ${within}` : `timeout: failed to connect service ${JSON.stringify(addr)} within ${within}`,
        }),
      req.timeoutMs,
    );
    // Before the connection, the stream fails first (its cause is the socket error), then the session.
    const failed = (err: Error & { code?: string; cause?: unknown }) => {
      if (connected) return done({ result: 'failure', message: `error: health rpc probe failed: ${err.message}` });
      const cause = err.cause instanceof Error ? (err.cause as Error & { code?: string }) : err;
      done({ result: 'failure', message: `failed to connect service ${JSON.stringify(addr)}: ${dialError(req.host, req.port, cause)}` });
    };
    session.on('error', failed);
    session.on('connect', () => (connected = true));
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: '/grpc.health.v1.Health/Check',
      [constants.HTTP2_HEADER_SCHEME]: 'http',
      [constants.HTTP2_HEADER_AUTHORITY]: addr,
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': userAgent,
    });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    let httpStatus = 0;
    const takeStatus = (h: Record<string, unknown>) => {
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(h['grpc-message']));
    };
    stream.on('response', (h) => {
      httpStatus = Number(h[constants.HTTP2_HEADER_STATUS] ?? 0);
      takeStatus(h);
    });
    stream.on('trailers', (h) => takeStatus(h));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', failed);
    stream.on('end', () => {
      if (httpStatus !== 200) return done({ result: 'failure', message: `error: health rpc probe failed: HTTP status ${httpStatus}` });
      if (grpcStatus !== undefined && grpcStatus !== '0') {
        if (Number(grpcStatus) === GRPC_UNIMPLEMENTED) {
          return done({ result: 'failure', message: `server does not implement the grpc health protocol (grpc.health.v1.Health): ${grpcMessage}` });
        }
        return done({ result: 'failure', message: `error: health rpc probe failed: rpc error: code = ${grpcStatus} desc = ${grpcMessage}` });
      }
      let status: number | undefined;
      try {
        status = decodeHealthResponse(Buffer.concat(chunks));
      } catch {
        status = undefined;
      }
      if (status === undefined) return done({ result: 'failure', message: 'error: health rpc probe failed: malformed response' });
      if (status !== 1) return done({ result: 'failure', message: `service unhealthy (responded with ${JSON.stringify(STATUS_NAMES[status] ?? String(status))})` });
      done({ result: 'success', message: 'service is healthy' });
    });
    stream.end(encodeHealthRequest(req.service));
  });
}
