// Errors of the sandbox. Two families:
//  - SandboxError: the sandbox itself cannot do what it was asked (bad options, unreadable seed).
//  - MarathonApiError: an answer Marathon gives with a non-2xx status; handlers throw it and the
//    HTTP layer writes `status` and `body` exactly, so the bodies live in one place below.
//
// Codes: MRK_SANDBOX_OPTIONS_INVALID, MRK_SANDBOX_SEED_INVALID, MRK_SANDBOX_API_ERROR.

import { MarackerError } from '../base/errors.js';
import type { JsonValue } from '../model/marathon.js';

export class SandboxError extends MarackerError {}

export class SandboxOptionsError extends SandboxError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('MRK_SANDBOX_OPTIONS_INVALID', `invalid sandbox options:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

export class SeedFileError extends SandboxError {
  readonly file: string;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super('MRK_SANDBOX_SEED_INVALID', `seed file ${file}: ${reason}`, options);
    this.file = file;
  }
}

export interface ValidationDetail {
  path: string;
  errors: string[];
}

export class MarathonApiError extends MarackerError {
  readonly status: number;
  readonly body: JsonValue | undefined;
  constructor(status: number, body: JsonValue | undefined) {
    const message = body && typeof body === 'object' && !Array.isArray(body) ? String(body.message ?? '') : '';
    super('MRK_SANDBOX_API_ERROR', `Marathon answers ${status}${message ? `: ${message}` : ''}`);
    this.status = status;
    this.body = body;
  }
}

// Bodies below are Marathon 1.10's, from MarathonExceptionMapper and the exception classes
// (mesosphere/marathon src/main/scala/mesosphere/marathon/Exception.scala).

export function appNotFound(appId: string, version?: string): MarathonApiError {
  return new MarathonApiError(404, { message: `App '${appId}' does not exist${version ? ` in version ${version}` : ''}` });
}

export function groupNotFound(groupId: string): MarathonApiError {
  return new MarathonApiError(404, { message: `Group '${groupId}' does not exist` });
}

export function deploymentNotFound(id: string): MarathonApiError {
  return new MarathonApiError(404, { message: `DeploymentPlan ${id} does not exist` });
}

export function appAlreadyExists(appId: string): MarathonApiError {
  return new MarathonApiError(409, { message: `An app with id [${appId}] already exists.` });
}

export const APP_LOCKED_MESSAGE =
  "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.";

export function appLocked(deploymentIds: readonly string[]): MarathonApiError {
  return new MarathonApiError(409, { message: APP_LOCKED_MESSAGE, deployments: deploymentIds.map((id) => ({ id })) });
}

/**
 * TooManyRunningDeploymentsException, mapped to 403 Forbidden by MarathonExceptionMapper.
 * The missing space in "oneusing" is Marathon's (two string literals concatenated).
 */
export function tooManyDeployments(max: number): MarathonApiError {
  return new MarathonApiError(403, {
    message:
      `Max number (${max}) of running deployments is achieved. Wait for existing deployments to complete or cancel one` +
      'using force=true parameter. You can increase max deployment number by using --max_running_deployments parameter ' +
      'but be advised that this can have negative effects on the performance.',
  });
}

/** 422 for a JsResultException: the body had the wrong JSON types or broke a RAML constraint. */
export function invalidJson(details: ValidationDetail[]): MarathonApiError {
  return new MarathonApiError(422, { message: 'Invalid JSON', details: details.map((d) => ({ path: d.path, errors: d.errors })) });
}

/** 400 for a body that is not JSON at all (Jackson's JsonParseException). */
export function unparsableJson(detail: string): MarathonApiError {
  return new MarathonApiError(400, { message: 'Invalid JSON', details: detail });
}

/** 400 for an empty body (Jackson's JsonMappingException). */
export function emptyBody(): MarathonApiError {
  return new MarathonApiError(400, {
    message: 'Please specify data in JSON format',
    details: 'No content to map due to end-of-input\n at [Source: ; line: 1, column: 0]',
  });
}

/** 422 for a ValidationFailedException: well-typed JSON that Marathon's validators reject. */
export function objectNotValid(details: ValidationDetail[]): MarathonApiError {
  return new MarathonApiError(422, { message: 'Object is not valid', details: details.map((d) => ({ path: d.path, errors: d.errors })) });
}

/** 422 for an IllegalArgumentException (e.g. an unparsable label selector). */
export function illegalArgument(message: string): MarathonApiError {
  return new MarathonApiError(422, { message });
}
