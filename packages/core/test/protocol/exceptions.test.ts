import { describe, expect, it } from 'vitest';
import { TaskFailedError, TimeLimitExceeded, TqError } from '../../src/errors/index.js';
import { encodeException, formatTraceback, JS_EXCEPTION_MODULE } from '../../src/protocol/index.js';

class PaymentError extends Error {
  override name = 'PaymentError';
}

class MappedError extends Error {
  override name = 'MappedError';
  readonly excModule = 'myapp.errors';
  readonly excType = 'PaymentDeclined';
}

describe('encodeException', () => {
  it('maps JS errors that Python has as builtins to builtins', () => {
    expect(encodeException(new TypeError('bad type'))).toEqual({
      exc_type: 'TypeError',
      exc_message: ['bad type'],
      exc_module: 'builtins',
    });
    const valueError = Object.assign(new Error('nope'), { name: 'ValueError' });
    expect(encodeException(valueError)).toEqual({
      exc_type: 'ValueError',
      exc_message: ['nope'],
      exc_module: 'builtins',
    });
  });

  it('names a module no Python process has for JS-only errors, so Python synthesizes the class', () => {
    expect(encodeException(new Error('boom'))).toEqual({
      exc_type: 'Error',
      exc_message: ['boom'],
      exc_module: JS_EXCEPTION_MODULE,
    });
    expect(encodeException(new RangeError('r')).exc_module).toBe(JS_EXCEPTION_MODULE);
    expect(encodeException(new PaymentError('declined'))).toEqual({
      exc_type: 'PaymentError',
      exc_message: ['declined'],
      exc_module: JS_EXCEPTION_MODULE,
    });
  });

  it("maps tq's Celery-named errors to celery.exceptions", () => {
    expect(encodeException(new TimeLimitExceeded(30))).toMatchObject({
      exc_type: 'TimeLimitExceeded',
      exc_module: 'celery.exceptions',
    });
  });

  it('uses excType/excModule/excMessage when the error carries them (a re-raised remote failure)', () => {
    const remote = new TaskFailedError('tid', 'KeyError', ['k'], 'builtins', null);
    expect(encodeException(remote)).toEqual({ exc_type: 'KeyError', exc_message: ['k'], exc_module: 'builtins' });
    expect(encodeException(new MappedError('card'))).toEqual({
      exc_type: 'PaymentDeclined',
      exc_message: ['card'],
      exc_module: 'myapp.errors',
    });
  });

  it('turns odd names into Python identifiers and empty messages into no args', () => {
    const odd = Object.assign(new Error(''), { name: 'My Error!' });
    expect(encodeException(odd)).toEqual({ exc_type: 'My_Error_', exc_message: [], exc_module: JS_EXCEPTION_MODULE });
  });

  it('wraps thrown non-errors as builtins.Exception', () => {
    expect(encodeException('boom')).toEqual({ exc_type: 'Exception', exc_message: ['boom'], exc_module: 'builtins' });
    expect(encodeException({ code: 1 })).toEqual({
      exc_type: 'Exception',
      exc_message: ['{"code":1}'],
      exc_module: 'builtins',
    });
    expect(encodeException(undefined).exc_message).toEqual(['undefined']);
  });

  it('always produces JSON-encodable output', () => {
    const error = new TqError('TQ_TIMEOUT', 'took too long');
    expect(JSON.parse(JSON.stringify(encodeException(error)))).toEqual(encodeException(error));
  });
});

describe('formatTraceback', () => {
  it("starts with the error's name and message and keeps the stack frames", () => {
    const traceback = formatTraceback(new PaymentError('declined'));
    expect(traceback.startsWith('PaymentError: declined\n    at ')).toBe(true);
  });

  it('appends the cause chain and stops on cycles', () => {
    const root = new Error('root');
    const top = new Error('top', { cause: root });
    (root as { cause?: unknown }).cause = top;
    const traceback = formatTraceback(top);
    expect(traceback).toContain('Error: top');
    expect(traceback).toContain('Caused by: Error: root');
    expect(traceback.match(/Caused by/g)).toHaveLength(1);
  });

  it('formats thrown non-errors', () => {
    expect(formatTraceback('boom')).toBe('Exception: boom');
  });
});
