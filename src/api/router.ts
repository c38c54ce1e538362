/** @module Path patterns (`/api/v1/namespaces/:namespace/pods/:name`) to handlers per method. */
import { BadRequestError, MethodNotAllowedError, NotFoundError } from '../core/errors.js';
import type { Handler } from './context.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface Route {
  segments: string[];
  handlers: Partial<Record<Method, Handler>>;
}

export interface RouteMatch {
  handler: Handler;
  params: Record<string, string>;
}

export class Router {
  private readonly routes: Route[] = [];

  add(pattern: string, handlers: Partial<Record<Method, Handler>>): this {
    this.routes.push({ segments: splitPath(pattern), handlers });
    return this;
  }

  /** Throws NotFound for unknown paths and MethodNotAllowed for known paths with another method. */
  match(method: string, pathname: string): RouteMatch {
    const parts = splitPath(pathname).map(decodeSegment);
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      const handler = route.handlers[(method === 'HEAD' ? 'GET' : method) as Method];
      if (!handler) throw new MethodNotAllowedError(`the server does not allow this method on the requested resource`);
      return { handler, params };
    }
    throw new NotFoundError('the server could not find the requested resource');
  }

  /** True when some route has this shape, whatever the method (used by the upgrade path). */
  find(pathname: string): Record<string, string> | undefined {
    const parts = splitPath(pathname).map(decodeSegment);
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (params) return params;
    }
    return undefined;
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new BadRequestError(`invalid URL path segment ${JSON.stringify(s)}`);
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith(':')) params[p.slice(1)] = parts[i];
    else if (p !== parts[i]) return undefined;
  }
  return params;
}
