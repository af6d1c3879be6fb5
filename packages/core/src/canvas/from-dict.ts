import type { App } from '../app/app.js';
import { ErrorCodes, TqError } from '../errors/tq-error.js';
import type { CanvasNode } from './canvas-node.js';
import { Chain } from './chain.js';
import { checkDeclaredSize, Chord, partCount } from './chord.js';
import { Group } from './group.js';
import { Signature } from './signature.js';
import { isPlainObject, normalizeSignatureDict, type SignatureDict, signatureDictList } from './signature-dict.js';

const KNOWN_KEYS = new Set(['task', 'args', 'kwargs', 'options', 'subtask_type', 'immutable']);

/**
 * Celery's `Signature.from_dict`: rebuilds a node from its dict form, dispatching on `subtask_type`, and checks
 * the whole tree on the way (shapes, nesting depth, a chord body's declared `chord_size`). Signatures inside
 * options (`link`, `link_error`, `chain`, `chord`) are checked too but stay dicts. Throws TQ_MALFORMED_MESSAGE
 * naming the path of the first bad value.
 */
export function signatureFromDict(value: unknown, app?: App, path = 'signature', depth = 1): CanvasNode<any[], unknown, any> {
  const dict = normalizeSignatureDict(value, path, depth);
  checkNestedOptions(dict.options, `${path}.options`, depth);
  const node = build(dict, app, path, depth);
  const extras = Object.fromEntries(Object.entries(dict).filter(([key]) => !KNOWN_KEYS.has(key)));
  if (Object.keys(extras).length) node.extras = structuredClone(extras);
  return node;
}

function build(dict: SignatureDict, app: App | undefined, path: string, depth: number): CanvasNode<any[], unknown, any> {
  const options = structuredClone(dict.options);
  switch (dict.subtask_type) {
    case 'chain':
      return new Chain(app, children(dict.kwargs.tasks, app, `${path}.kwargs.tasks`, depth), options, dict.immutable);
    case 'group':
      return new Group(app, children(dict.kwargs.tasks, app, `${path}.kwargs.tasks`, depth), options, dict.immutable);
    case 'chord':
      return buildChord(dict, app, path, depth, options);
    default:
      return new Signature(app, dict.task, structuredClone(dict.args), structuredClone(dict.kwargs), options, dict.immutable);
  }
}

function buildChord(dict: SignatureDict, app: App | undefined, path: string, depth: number, options: Record<string, unknown>): Chord {
  const { header, body } = dict.kwargs;
  if (!isPlainObject(body)) {
    throw new TqError(ErrorCodes.MALFORMED_MESSAGE, `invalid signature at ${path}.kwargs.body: a chord needs a body signature`, {
      details: { path: `${path}.kwargs.body` },
    });
  }
  const bodyNode = signatureFromDict(body, app, `${path}.kwargs.body`, depth + 1);
  let headerNode: Group;
  if (Array.isArray(header)) {
    headerNode = new Group(app, children(header, app, `${path}.kwargs.header`, depth));
  } else {
    const node = signatureFromDict(header, app, `${path}.kwargs.header`, depth + 1);
    if (!(node instanceof Group)) {
      throw new TqError(ErrorCodes.MALFORMED_MESSAGE, `invalid signature at ${path}.kwargs.header: a chord header must be a list or a group`, {
        details: { path: `${path}.kwargs.header` },
      });
    }
    headerNode = node;
  }
  const size = headerNode.tasks.reduce((sum, task) => sum + partCount(task), 0);
  try {
    checkDeclaredSize(body as SignatureDict, size);
  } catch (error) {
    throw new TqError(ErrorCodes.MALFORMED_MESSAGE, `invalid signature at ${path}: ${(error as Error).message}`, { details: { path } });
  }
  return new Chord(app, headerNode, bodyNode, options, dict.immutable, structuredClone(dict.args));
}

function children(value: unknown, app: App | undefined, path: string, depth: number): CanvasNode<any[], unknown, any>[] {
  if (!Array.isArray(value)) {
    throw new TqError(ErrorCodes.MALFORMED_MESSAGE, `invalid signature at ${path}: expected a list of signatures`, { details: { path } });
  }
  return value.map((item, index) => signatureFromDict(item, app, `${path}[${index}]`, depth + 1));
}

/** Signatures carried in options are validated where they sit, one level deeper. */
function checkNestedOptions(options: Record<string, unknown>, path: string, depth: number): void {
  for (const key of ['link', 'link_error'] as const) {
    for (const [index, item] of signatureDictList(options[key], `${path}.${key}`).entries()) {
      signatureFromDict(item, undefined, `${path}.${key}[${index}]`, depth + 1);
    }
  }
  if (options.chain !== undefined && options.chain !== null) {
    if (!Array.isArray(options.chain)) {
      throw new TqError(ErrorCodes.MALFORMED_MESSAGE, `invalid signature at ${path}.chain: expected a list of signatures`, {
        details: { path: `${path}.chain` },
      });
    }
    for (const [index, item] of options.chain.entries()) signatureFromDict(item, undefined, `${path}.chain[${index}]`, depth + 1);
  }
  if (options.chord !== undefined && options.chord !== null) signatureFromDict(options.chord, undefined, `${path}.chord`, depth + 1);
}

/** Validates a list of dicts from a message (`embed.callbacks` etc.) without building anything. */
export function checkSignatureDicts(values: readonly unknown[], path: string): void {
  for (const [index, value] of values.entries()) signatureFromDict(value, undefined, `${path}[${index}]`, 1);
}
