/**
 * @module DeleteOptions as kubectl sends them: in the body (its way) and in the query
 * (`gracePeriodSeconds`, `propagationPolicy`, `dryRun`), with the deprecated `orphanDependents`.
 */
import { BadRequestError } from '../../core/errors.js';
import type { DeleteOptions, PropagationPolicy } from './generic-store.js';

const POLICIES: readonly PropagationPolicy[] = ['Foreground', 'Background', 'Orphan'];

function policyOf(v: unknown): PropagationPolicy {
  if (typeof v !== 'string' || !(POLICIES as readonly string[]).includes(v)) {
    throw new BadRequestError(`propagationPolicy: Unsupported value: ${JSON.stringify(v)}: supported values: "Foreground", "Background", "Orphan"`);
  }
  return v as PropagationPolicy;
}

export function parseDeleteOptions(body: unknown, query: URLSearchParams): DeleteOptions & { dryRunValues: string[] } {
  const opts: DeleteOptions & { dryRunValues: string[] } = { dryRunValues: query.getAll('dryRun') };
  let orphanDependents: boolean | undefined;
  if (body !== undefined) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError('DeleteOptions must be a JSON object');
    const b = body as Record<string, unknown>;
    if (b.kind !== undefined && b.kind !== 'DeleteOptions') {
      throw new BadRequestError(`the kind in the data (${String(b.kind)}) does not match the expected kind (DeleteOptions)`);
    }
    if (b.gracePeriodSeconds !== undefined && b.gracePeriodSeconds !== null) {
      if (!Number.isInteger(b.gracePeriodSeconds)) throw new BadRequestError('gracePeriodSeconds must be an integer');
      opts.gracePeriodSeconds = b.gracePeriodSeconds as number;
    }
    if (Array.isArray(b.dryRun)) opts.dryRunValues.push(...b.dryRun.map(String));
    if (b.preconditions && typeof b.preconditions === 'object') opts.preconditions = b.preconditions as DeleteOptions['preconditions'];
    if (b.propagationPolicy !== undefined && b.propagationPolicy !== null) opts.propagationPolicy = policyOf(b.propagationPolicy);
    if (b.orphanDependents !== undefined && b.orphanDependents !== null) {
      if (typeof b.orphanDependents !== 'boolean') throw new BadRequestError('orphanDependents must be a boolean');
      orphanDependents = b.orphanDependents;
    }
  }
  const q = query.get('gracePeriodSeconds');
  if (q !== null && q !== '') {
    if (!/^-?\d+$/.test(q)) throw new BadRequestError(`invalid value for gracePeriodSeconds: ${JSON.stringify(q)}: must be an integer`);
    opts.gracePeriodSeconds = Number(q);
  }
  const qp = query.get('propagationPolicy');
  if (qp !== null && qp !== '') opts.propagationPolicy = policyOf(qp);
  const qo = query.get('orphanDependents');
  if (qo !== null && qo !== '') orphanDependents = qo === 'true';
  if (orphanDependents !== undefined) {
    if (opts.propagationPolicy !== undefined) {
      throw new BadRequestError('propagationPolicy: Invalid value: "' + opts.propagationPolicy + '": orphanDependents and deletionPropagation cannot be both set');
    }
    opts.propagationPolicy = orphanDependents ? 'Orphan' : 'Background';
  }
  for (const v of opts.dryRunValues) {
    if (v !== 'All') throw new BadRequestError(`invalid dry run option: ${JSON.stringify(v)}: supported values: "All"`);
  }
  opts.dryRun = opts.dryRunValues.length > 0;
  return opts;
}
