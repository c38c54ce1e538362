/**
 * @module Manifests for apply/delete -f: multi-document YAML or JSON, `kind: List` (and `XList`)
 * flattened. Every document is checked before anything is sent, so a malformed file changes nothing.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../core/types.js';

/** A manifest that cannot be used; the message names the source, document and line. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

export interface ManifestObject {
  object: KubeObject;
  /** "web.yaml", or "STDIN" for -f -. */
  source: string;
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

function checkObject(value: unknown, where: string): KubeObject[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestError(`${where}: expected an object with apiVersion and kind, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  }
  const obj = value as KubeObject;
  const missing = [!obj.apiVersion && 'apiVersion not set', !obj.kind && 'kind not set'].filter(Boolean);
  if (missing.length > 0) throw new ManifestError(`${where}: error validating data: [${missing.join(', ')}]`);
  const listItems = (obj as { items?: unknown }).items;
  if (obj.kind === 'List' || (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(listItems))) {
    const items: unknown[] = Array.isArray(listItems) ? listItems : [];
    return items.flatMap((item, i) => checkObject(item, `${where}: items[${i}]`));
  }
  if (!obj.metadata?.name) throw new ManifestError(`${where}: ${obj.kind} has no metadata.name`);
  return [obj];
}

/** Parses one file's text. `source` only names it in errors. */
export function parseManifests(text: string, source: string): KubeObject[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const value: unknown = JSON.parse(text);
      return (Array.isArray(value) ? value : [value]).flatMap((v, i) => checkObject(v, `${source}: document ${i + 1}`));
    } catch (err) {
      if (err instanceof ManifestError) throw err;
      // Not JSON after all: YAML flow syntax is a superset, let the YAML parser say what is wrong.
    }
  }
  const docs = parseAllDocuments(text, { prettyErrors: false });
  const objects: KubeObject[] = [];
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const where = `${source}: document ${i + 1}`;
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0]?.line ?? lineOf(text, error.pos[0]);
      const reason = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new ManifestError(`error parsing ${where}: line ${line}: ${reason}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // an empty document (e.g. a trailing ---)
    objects.push(...checkObject(value, where));
  });
  return objects;
}

async function readStream(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads and parses every -f argument; all of them are parsed before the caller sends anything. */
export async function readManifests(files: string[], cwd: string, stdin: Readable): Promise<ManifestObject[]> {
  const out: ManifestObject[] = [];
  for (const file of files) {
    let text: string;
    const source = file === '-' ? 'STDIN' : file;
    if (file === '-') text = await readStream(stdin);
    else {
      try {
        text = readFileSync(resolve(cwd, file), 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new ManifestError(code === 'ENOENT' ? `the path "${file}" does not exist` : `cannot read "${file}": ${(err as Error).message}`);
      }
    }
    for (const object of parseManifests(text, source)) out.push({ object, source });
  }
  return out;
}
