import type { EncodedException } from '../contracts/index.js';

/**
 * Errors as Celery stores them for non-pickle serializers: `{exc_type, exc_message: [args...], exc_module}`.
 * A Python client rebuilds the class with `getattr(sys.modules[exc_module], exc_type)`; when that lookup fails
 * it synthesizes an Exception subclass with that name, but when it finds something that is not an exception
 * class it raises SecurityError instead of the task's error. So the module is chosen to always be safe:
 *
 * - `exc_type` is the error's `name` (TypeError, RangeError, MyError...), made a valid Python identifier.
 * - `exc_module` is `builtins` when Python has a builtin exception of that name (TypeError, ValueError,
 *   KeyError, SyntaxError, TimeoutError...), so Python gets the real class; `celery.exceptions` for Celery's own
 *   errors tq also has (TimeLimitExceeded, SoftTimeLimitExceeded, WorkerLostError, MaxRetriesExceededError,
 *   TaskRevokedError, Retry, Reject, Ignore, ChordError, NotRegistered); otherwise `tq.js`, a module no Python
 *   process has, so Python synthesizes `<name>(Exception)` (JS `Error`, `RangeError`, custom classes).
 * - `exc_message` is `[message]` (`[]` when the message is empty), Python's `exc.args`.
 * - An error may say how it wants to appear by carrying `excType`, `excModule` and/or `excMessage` properties;
 *   `TaskFailedError` has them, so a failure re-raised from a child task keeps its original Python type.
 * - A thrown non-Error (`throw 'boom'`) becomes `builtins.Exception` with its string form as the message.
 */

/** The module named for JS errors that have no Python counterpart. */
export const JS_EXCEPTION_MODULE = 'tq.js';

// Exception classes in Python 3's builtins that can be built from one message argument.
const PYTHON_BUILTIN_EXCEPTIONS = new Set([
  'BaseException',
  'Exception',
  'ArithmeticError',
  'AssertionError',
  'AttributeError',
  'BlockingIOError',
  'BrokenPipeError',
  'BufferError',
  'ChildProcessError',
  'ConnectionAbortedError',
  'ConnectionError',
  'ConnectionRefusedError',
  'ConnectionResetError',
  'EOFError',
  'EnvironmentError',
  'FileExistsError',
  'FileNotFoundError',
  'FloatingPointError',
  'IOError',
  'ImportError',
  'IndentationError',
  'IndexError',
  'InterruptedError',
  'IsADirectoryError',
  'KeyError',
  'LookupError',
  'MemoryError',
  'ModuleNotFoundError',
  'NameError',
  'NotADirectoryError',
  'NotImplementedError',
  'OSError',
  'OverflowError',
  'PermissionError',
  'ProcessLookupError',
  'RecursionError',
  'ReferenceError',
  'RuntimeError',
  'StopAsyncIteration',
  'StopIteration',
  'SyntaxError',
  'SystemError',
  'TabError',
  'TimeoutError',
  'TypeError',
  'UnboundLocalError',
  'UnicodeError',
  'ValueError',
  'ZeroDivisionError',
]); // prettier-ignore

const CELERY_EXCEPTIONS = new Set([
  'TimeLimitExceeded',
  'SoftTimeLimitExceeded',
  'WorkerLostError',
  'MaxRetriesExceededError',
  'TaskRevokedError',
  'Retry',
  'Reject',
  'Ignore',
  'ChordError',
  'NotRegistered',
]); // prettier-ignore

export function encodeException(error: unknown): EncodedException {
  if (!(error instanceof Error) && !hasOverrides(error)) {
    return { exc_type: 'Exception', exc_message: [describe(error)], exc_module: 'builtins' };
  }
  const source = error as Error & Overrides;
  const excType = typeof source.excType === 'string' && source.excType ? source.excType : pythonName(source.name);
  const excModule = typeof source.excModule === 'string' && source.excModule ? source.excModule : moduleFor(excType);
  const excMessage = Array.isArray(source.excMessage)
    ? [...source.excMessage]
    : typeof source.message === 'string' && source.message !== ''
      ? [source.message]
      : [];
  return { exc_type: excType, exc_message: excMessage, exc_module: excModule };
}

interface Overrides {
  excType?: unknown;
  excModule?: unknown;
  excMessage?: unknown;
}

function hasOverrides(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as Overrides).excType === 'string';
}

function moduleFor(excType: string): string {
  if (PYTHON_BUILTIN_EXCEPTIONS.has(excType)) return 'builtins';
  if (CELERY_EXCEPTIONS.has(excType)) return 'celery.exceptions';
  return JS_EXCEPTION_MODULE;
}

/** A Python identifier from an error name (`'Error'`, `'My Error'` -> `'My_Error'`, `''` -> `'Error'`). */
function pythonName(name: unknown): string {
  const text = typeof name === 'string' ? name.trim() : '';
  if (text === '') return 'Error';
  const cleaned = text.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    try {
      const json = JSON.stringify(value);
      if (json !== undefined) return json;
    } catch {
      // fall through to String()
    }
  }
  return String(value);
}

const MAX_CAUSES = 10;

/**
 * The traceback string stored with a failure: the JS stack (which starts with `Name: message`), followed by each
 * `cause` in turn, Python-style ("The above exception was the direct cause of the following exception" is
 * Python's order; JS readers expect the cause after, so it is written as `Caused by:`).
 */
export function formatTraceback(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && !seen.has(current) && parts.length <= MAX_CAUSES) {
    seen.add(current);
    parts.push(parts.length === 0 ? formatOne(current) : `Caused by: ${formatOne(current)}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\n');
}

function formatOne(error: unknown): string {
  if (!(error instanceof Error)) {
    const encoded = encodeException(error);
    return `${encoded.exc_type}: ${encoded.exc_message.join(', ')}`;
  }
  // Rebuild the first line: the stack's own header was fixed at construction, before a subclass set its name.
  const header = `${error.name}: ${error.message}`;
  const stack = typeof error.stack === 'string' ? error.stack : '';
  const frames = stack.indexOf('\n    at ');
  return frames === -1 ? header : header + stack.slice(frames);
}
