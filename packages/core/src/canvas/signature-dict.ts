import { ErrorCodes, TqError } from '../errors/tq-error.js';
import type { SignatureDict } from '../protocol/task-message.js';

export type { SignatureDict };

/**
 * How deeply canvas may nest (a signature inside a chain inside a chord body inside a link...). Real workflows
 * stay far below; the limit only stops hostile or runaway input from costing unbounded recursion.
 */
export const MAX_CANVAS_DEPTH = 64;

export type SubtaskType = 'chain' | 'group' | 'chord' | null;

const SUBTASK_TYPES = new Set(['chain', 'group', 'chord']);

function malformed(message: string, path: string, value?: unknown): TqError {
  return new TqError(ErrorCodes.MALFORMED_MESSAGE, `invalid signature at ${path}: ${message}`, {
    details: { path, ...(value === undefined ? {} : { got: describe(value) }) },
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the shape of one signature dict (not its children) and fills what Celery would default: `args` [],
 * `kwargs` {}, `options` {}, `subtask_type` null, `immutable` false. Returns a normalized shallow copy.
 * TQ_MALFORMED_MESSAGE names the path of the bad value (`embed.chain[1].options.link[0]`...).
 */
export function normalizeSignatureDict(value: unknown, path: string, depth: number): SignatureDict {
  if (depth > MAX_CANVAS_DEPTH) {
    throw new TqError(ErrorCodes.MALFORMED_MESSAGE, `canvas nested deeper than ${MAX_CANVAS_DEPTH} levels at ${path}`, {
      details: { path, maxDepth: MAX_CANVAS_DEPTH },
    });
  }
  if (!isPlainObject(value)) throw malformed('expected a signature object', path, value);
  const { task, args = [], kwargs = {}, options = {}, subtask_type = null, immutable = false } = value;
  if (typeof task !== 'string' || task === '') throw malformed('"task" must be a non-empty string', `${path}.task`, task);
  if (!Array.isArray(args)) throw malformed('"args" must be a list', `${path}.args`, args);
  if (!isPlainObject(kwargs)) throw malformed('"kwargs" must be an object', `${path}.kwargs`, kwargs);
  if (!isPlainObject(options)) throw malformed('"options" must be an object', `${path}.options`, options);
  if (subtask_type !== null && !SUBTASK_TYPES.has(subtask_type as string)) {
    throw malformed(`unknown subtask_type ${JSON.stringify(subtask_type)} (expected chain, group, chord or null)`, `${path}.subtask_type`);
  }
  if (typeof immutable !== 'boolean') throw malformed('"immutable" must be a boolean', `${path}.immutable`, immutable);
  return { ...value, task, args, kwargs, options, subtask_type: subtask_type as SubtaskType, immutable };
}

/** A list of signature dicts, or one dict standing for a list of one (Celery's link/link_error). */
export function signatureDictList(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (isPlainObject(value)) return [value];
  throw malformed('expected a signature or a list of signatures', path, value);
}

/** Nesting depth of a dict tree (how many signatures deep it goes), stopping once past the limit. */
export function canvasDepth(dict: SignatureDict): number {
  let deepest = 0;
  const visit = (value: unknown, depth: number): void => {
    if (depth > MAX_CANVAS_DEPTH + 1 || deepest > MAX_CANVAS_DEPTH) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth);
      return;
    }
    if (!isPlainObject(value)) return;
    const isSignature = typeof value.task === 'string' && 'options' in value;
    const level = isSignature ? depth + 1 : depth;
    if (isSignature) deepest = Math.max(deepest, level);
    for (const child of Object.values(value)) visit(child, level);
  };
  visit(dict, 0);
  return deepest;
}

/** TQ_INVALID_CONFIG when a canvas built in code nests deeper than the limit. */
export function assertDepth(dict: SignatureDict): void {
  const depth = canvasDepth(dict);
  if (depth > MAX_CANVAS_DEPTH) {
    throw new TqError(ErrorCodes.INVALID_CONFIG, `canvas nested deeper than ${MAX_CANVAS_DEPTH} levels`, {
      details: { maxDepth: MAX_CANVAS_DEPTH },
    });
  }
}
