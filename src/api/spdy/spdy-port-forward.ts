/**
 * @module pods/{name}/portforward: SPDY/3.1, either plain (`Upgrade: SPDY/3.1`, protocol
 * portforward.k8s.io) or tunnelled in WebSocket binary messages (subprotocol
 * `SPDY/3.1+portforward.k8s.io`). Per forwarded connection the client opens an `error` and a
 * `data` stream sharing a `requestid`; the data stream is spliced to a TCP connection to the
 * pod's IP and `port` (the node reaches pod IPs over the bridge). FIN is a half-close both ways.
 */
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { BadRequestError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Pod } from '../../core/types.js';
import type { ApiDeps } from '../context.js';
import { acceptSpdy, chooseStreamProtocol, isSpdyUpgrade } from './spdy-exec.js';
import { SpdySession, type SpdyStream } from './spdy-session.js';
import { ChannelPortForwardUpgrader } from '../ws-port-forward.js';

const PROTOCOL = 'portforward.k8s.io';
const WS_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
// `ws` refuses '/' in a subprotocol token: it negotiates this stand-in and the real name is put
// back into the 101 headers.
const WS_STAND_IN = 'peapod-spdy-portforward';

type Deps = ApiDeps & { logger: Logger };

function podIp(deps: Deps, namespace: string, name: string): string {
  const pod = deps.store.get<Pod>('pods', namespace, name);
  const ip = pod.status?.podIP;
  if (pod.status?.phase !== 'Running' || !ip) throw new BadRequestError(`pod ${name} is not running and has no IP to forward to`);
  return ip;
}

/** Wires a session's streams to TCP connections to ip:port. */
function forward(session: SpdySession, ip: string, logger: Logger): void {
  const errors = new Map<string, SpdyStream>();
  session.on('stream', (s: SpdyStream) => {
    const id = s.headers.requestid ?? '';
    if (s.headers.streamtype === 'error') {
      errors.set(id, s);
      return;
    }
    if (s.headers.streamtype !== 'data') return;
    const port = Number(s.headers.port);
    const fail = (message: string): void => {
      const e = errors.get(id);
      e?.write(Buffer.from(message));
      e?.end();
      s.end();
    };
    if (!Number.isInteger(port) || port < 1 || port > 65535) return fail(`invalid port ${s.headers.port ?? ''}`);
    const sock = connect({ host: ip, port });
    s.on('data', (c: Buffer) => sock.write(c));
    s.on('end', () => sock.end());
    s.on('reset', () => sock.destroy());
    sock.on('data', (c: Buffer) => s.write(c));
    sock.on('end', () => s.end());
    sock.on('close', () => {
      errors.get(id)?.end();
      errors.delete(id);
    });
    sock.on('error', (err) => {
      logger.debug('port-forward connection failed', { ip, port, error: err.message });
      fail(`error forwarding port ${port} to pod ${ip}: ${err.message}`);
    });
  });
}

export class PortForwardUpgrader {
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: () => WS_STAND_IN });
  private readonly channels = new ChannelPortForwardUpgrader();

  constructor() {
    this.wss.on('headers', (headers: string[]) => {
      for (let i = 0; i < headers.length; i++) {
        if (/^sec-websocket-protocol:/i.test(headers[i])) headers[i] = `Sec-WebSocket-Protocol: ${WS_PROTOCOL}`;
      }
    });
  }

  handle(deps: Deps, req: IncomingMessage, socket: Duplex, head: Buffer, params: { namespace: string; name: string }): void {
    const ip = podIp(deps, params.namespace, params.name);
    if (isSpdyUpgrade(req)) {
      const protocol = chooseStreamProtocol(req, [PROTOCOL]);
      forward(acceptSpdy(socket, head, protocol, deps.logger), ip, deps.logger);
      return;
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    // Clients that do not tunnel SPDY (@kubernetes/client-node, ...) speak the kubelet's
    // v4.channel.k8s.io port-forward protocol instead.
    if (!offered.includes(WS_PROTOCOL) && ChannelPortForwardUpgrader.accepts(req)) {
      this.channels.handle(req, socket, head, (port) => connect({ host: ip, port }), deps.logger);
      return;
    }
    if (!offered.includes(WS_PROTOCOL)) throw new BadRequestError(`unable to upgrade: port-forward needs the subprotocol ${WS_PROTOCOL} or SPDY/3.1`);
    req.headers['sec-websocket-protocol'] = WS_STAND_IN;
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const session = new SpdySession((frame) => {
        if (ws.readyState === ws.OPEN) ws.send(frame, { binary: true });
      });
      session.on('error', (err: Error) => deps.logger.debug('port-forward tunnel failed', { error: err.message }));
      session.on('close', () => ws.close(1000));
      // Message boundaries do not match frames: the messages are one byte stream.
      ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => session.input(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)));
      ws.on('close', () => session.close());
      ws.on('error', () => session.close());
      forward(session, ip, deps.logger);
    });
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.channels.close();
  }
}
