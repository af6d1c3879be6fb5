import { ErrorCodes, TqError } from '../errors/tq-error.js';

/**
 * A chord could not run its body: a header task failed or was revoked (Celery's `celery.exceptions.ChordError`,
 * stored with that type so Python clients rebuild it). `failedTaskId` names the culprit when known.
 */
export class ChordError extends TqError {
  override name = 'ChordError';
  readonly excType = 'ChordError';
  readonly excModule = 'celery.exceptions';

  constructor(
    message: string,
    readonly failedTaskId?: string,
  ) {
    super(ErrorCodes.CHORD_ERROR, message, { details: failedTaskId ? { failedTaskId } : undefined });
  }
}
