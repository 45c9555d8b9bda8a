import { ErrorCode } from '@syncline/protocol';
import { SynclineError } from '../core/errors.js';

/**
 * Why a document id cannot be had: `exists` (a document has it: catalogued already, or someone else's) or `deleted`
 * (a document had it and was deleted: ids are never used again).
 */
export type TakenReason = 'exists' | 'deleted';

/** `conflict` (HTTP 409) of an id asked for that is taken, saying why (`reason`, also in the HTTP answer). */
export class DocumentIdTaken extends SynclineError {
  constructor(
    readonly reason: TakenReason,
    message: string,
  ) {
    super(ErrorCode.Conflict, message);
  }
}
