// Errors raised by the pure planner. Only bad input reaches here: the sources deduplicate
// ids before they build desired apps, so a duplicate is a bug upstream, not a user mistake,
// and planning must stop rather than pick one of the two definitions at random.

import { MarackerError } from '../base/errors.js';
import type { AppId } from '../model/app-id.js';

/** MRK_PLAN_INPUT_INVALID: the desired or actual list cannot be planned (e.g. an id twice). */
export class PlanInputError extends MarackerError {
  readonly appId: AppId;

  constructor(appId: AppId, message: string) {
    super('MRK_PLAN_INPUT_INVALID', `${appId}: ${message}`);
    this.appId = appId;
  }
}
