// Turns a non-2xx Marathon answer into the matching error class. Pure: status + body in,
// error out. Marathon reuses statuses for different meanings (403 is both "not allowed" and
// "too many running deployments"; 409 is a lock, a duplicate or a conflict), so the body's
// shape is read here, once, and callers only ever see a distinct `code`.
//
// Body shapes handled (mesosphere/marathon MarathonExceptionMapper.scala, RestResource.scala,
// Exception.scala):
//   {"message": "..."}                                            most errors
//   {"message": "App is locked ...", "deployments": [{"id": ...}]} AppLockedException (409)
//   {"message": "Object is not valid", "details": [{path, errors}]} ValidationFailedException (422)
//   {"message": "Invalid JSON", "details": [{path, errors}]}       JsResultException (422 or 400)
//   {"message": "Invalid JSON", "details": "<parser message>"}     JsonParseException (400)
//   {"message": "...", "errors": [{"attribute", "error"}]}         pre-1.0 bean validation

import {
  MarathonAlreadyExistsError,
  MarathonConflictError,
  MarathonDeploymentCapError,
  MarathonDeploymentLockedError,
  MarathonForbiddenError,
  MarathonNotFoundError,
  MarathonServerError,
  MarathonUnauthorizedError,
  MarathonUnexpectedStatusError,
  MarathonValidationError,
  type MarathonError,
  type MarathonErrorFields,
  type MarathonValidationDetail,
} from './errors.js';
import { isObject } from '../model/json.js';

export type RequestFields = Omit<MarathonErrorFields, 'status' | 'body' | 'serverMessage'>;

// TooManyRunningDeploymentsException's message: "Max number (N) of running deployments is achieved. ..."
const DEPLOYMENT_CAP = /max number \((\d+)\) of running deployments/i;
// AppLockedException's message: "App is locked by one or more deployments. ..."
const LOCKED = /is locked by one or more deployments/i;
// "An app with id [/x] already exists." / "A group with id [/x] already exists." / "... already exists"
const ALREADY_EXISTS = /already exists/i;

export function classifyResponse(status: number, bodyText: string, request: RequestFields): MarathonError {
  const json = parseObject(bodyText);
  const serverMessage = typeof json?.message === 'string' ? json.message : undefined;
  const fields: MarathonErrorFields = { ...request, status, body: bodyText, serverMessage };

  switch (status) {
    case 400:
    case 422:
      return new MarathonValidationError({ ...fields, details: validationDetails(json, serverMessage) });
    case 401:
      return new MarathonUnauthorizedError(fields);
    case 403: {
      const cap = serverMessage ? DEPLOYMENT_CAP.exec(serverMessage) : null;
      if (cap) return new MarathonDeploymentCapError({ ...fields, maxRunningDeployments: Number(cap[1]) });
      return new MarathonForbiddenError(fields);
    }
    case 404:
      return new MarathonNotFoundError(fields);
    case 409: {
      const deploymentIds = lockingDeployments(json);
      if (deploymentIds !== undefined || (serverMessage !== undefined && LOCKED.test(serverMessage))) {
        return new MarathonDeploymentLockedError({ ...fields, deploymentIds: deploymentIds ?? [] });
      }
      if (serverMessage !== undefined && ALREADY_EXISTS.test(serverMessage)) return new MarathonAlreadyExistsError(fields);
      return new MarathonConflictError(fields);
    }
    default:
      if (status >= 500 && status <= 599) return new MarathonServerError(fields);
      return new MarathonUnexpectedStatusError(fields);
  }
}

/** Marathon's validation details in one shape, whichever of its body shapes was sent. */
export function validationDetails(json: Record<string, unknown> | undefined, serverMessage?: string): MarathonValidationDetail[] {
  const details = json?.details;
  if (Array.isArray(details)) {
    const out: MarathonValidationDetail[] = [];
    for (const d of details) {
      if (!isObject(d)) continue;
      const path = typeof d.path === 'string' ? d.path : '/';
      const errors = Array.isArray(d.errors) ? d.errors.filter((e): e is string => typeof e === 'string') : [];
      out.push({ path, errors });
    }
    return out;
  }
  if (typeof details === 'string') return [{ path: '/', errors: [details] }];
  const legacy = json?.errors;
  if (Array.isArray(legacy)) {
    return legacy.filter(isObject).map((e) => ({
      path: typeof e.attribute === 'string' ? `/${e.attribute.replace(/^\//, '')}` : '/',
      errors: typeof e.error === 'string' ? [e.error] : [],
    }));
  }
  return serverMessage === undefined ? [] : [{ path: '/', errors: [serverMessage] }];
}

function lockingDeployments(json: Record<string, unknown> | undefined): string[] | undefined {
  const deployments = json?.deployments;
  if (!Array.isArray(deployments)) return undefined;
  return deployments.filter(isObject).flatMap((d) => (typeof d.id === 'string' ? [d.id] : []));
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
