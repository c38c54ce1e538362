/** @module The client's public surface. */
export { PeapodClient, TABLE_ACCEPT } from './peapod-client.js';
export type {
  PeapodClientOptions,
  VersionInfo,
  ListOptions,
  WatchOptions,
  StopWatch,
  DeleteOptions,
  LogOptions,
  ExecOptions,
  AttachOptions,
  StreamOptions,
  ImageInfo,
  ImageImportRequest,
  Table,
} from './peapod-client.js';
export { UnknownResourceTypeError, qualifiedName, resolveResourceType } from './discovery.js';
export type { DiscoveredResource } from './discovery.js';
export type { ExecResult, TerminalSizeSource } from './stream-session.js';
export type { TerminalSize } from './stream-frames.js';
export { DaemonUnreachableError } from './http-call.js';
export { NoKindMatchError, resourceFor, resourcePath } from './resource-paths.js';
export type { ResourceInfo } from './resource-paths.js';
export { UnixSocketTransport, resolveSocketPath, defaultSocketPath } from './transport.js';
export type { Transport } from './transport.js';
export { statusToError } from './status-error.js';
