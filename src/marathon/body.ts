// Readers for Marathon's 2xx bodies. Each checks the shape it relies on and throws a
// BodyShapeError otherwise; the transport turns that into MRK_MARATHON_BAD_BODY (and retries
// it for reads). The one failure avoided above all: reading a truncated or foreign answer to
// GET /v2/apps as "no apps", which would make every managed app look deleted.

import type { IncomingHttpHeaders } from 'node:http';
import type { DeploymentRef, MarathonApp, MarathonDeployment } from '../model/marathon.js';
import { isObject } from '../model/json.js';

/** A 2xx body that is not what the endpoint promises. Internal: surfaced as MarathonBadBodyError. */
export class BodyShapeError extends Error {}

/** GET /v2/info. Only the fields maracker reads are typed. */
export interface MarathonInfo {
  name?: string;
  version?: string;
  elected?: boolean;
  leader?: string | null;
  frameworkId?: string;
  [key: string]: unknown;
}

export const DEPLOYMENT_ID_HEADER = 'marathon-deployment-id';

export function parseJson(text: string): unknown {
  if (text.trim().length === 0) throw new BodyShapeError('empty body where JSON was expected');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BodyShapeError(`not valid JSON (${jsonSyntaxReason(err)}); ${text.length} bytes received`);
  }
}

/**
 * JSON.parse's reason without the excerpt of the text V8 quotes in some messages
 * (`Unexpected token 'x', "{"env":{"TOKEN":...}" is not valid JSON`): an app's body holds
 * its environment, and errors are logged and shown in status.
 */
export function jsonSyntaxReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/, ".*" is not valid JSON$/s, '');
}

export function readApp(text: string): MarathonApp {
  const body = parseJson(text);
  if (!isObject(body) || !isObject(body.app)) throw new BodyShapeError('no `app` object');
  return checkApp(body.app, 'app');
}

export function readDeployments(text: string): MarathonDeployment[] {
  const body = parseJson(text);
  if (!Array.isArray(body)) throw new BodyShapeError('not a deployments array');
  return body.map((d, i) => {
    if (!isObject(d) || typeof d.id !== 'string') throw new BodyShapeError(`deployments[${i}] has no string \`id\``);
    if (!Array.isArray(d.affectedApps)) throw new BodyShapeError(`deployments[${i}] has no \`affectedApps\` array`);
    return d as MarathonDeployment;
  });
}

/**
 * `{deploymentId, version}` from a write's body, with the `Marathon-Deployment-Id` header as
 * a fallback for the id.
 */
export function readDeploymentRef(text: string, headers: IncomingHttpHeaders): DeploymentRef {
  const body = parseJson(text);
  if (!isObject(body)) throw new BodyShapeError('not a deployment result object');
  const deploymentId = typeof body.deploymentId === 'string' ? body.deploymentId : headerValue(headers, DEPLOYMENT_ID_HEADER);
  if (deploymentId === undefined) throw new BodyShapeError('no `deploymentId`');
  if (typeof body.version !== 'string') throw new BodyShapeError('no `version`');
  return { deploymentId, version: body.version };
}

/**
 * POST /v2/apps answers 201 with the created app and the deployment id in a header; some
 * versions (and PUT-as-create) answer with `{deploymentId, version}` instead. Accept both.
 */
export function readCreated(text: string, headers: IncomingHttpHeaders): DeploymentRef & { app?: MarathonApp } {
  const body = parseJson(text);
  if (!isObject(body)) throw new BodyShapeError('not an object');
  if (typeof body.deploymentId === 'string') return readDeploymentRef(text, headers);
  const app = checkApp(body, 'body');
  const fromBody = Array.isArray(app.deployments) ? app.deployments.find((d) => isObject(d) && typeof d.id === 'string')?.id : undefined;
  const deploymentId = headerValue(headers, DEPLOYMENT_ID_HEADER) ?? fromBody;
  if (deploymentId === undefined) throw new BodyShapeError('created app without a deployment id (no header, no `deployments`)');
  if (typeof app.version !== 'string') throw new BodyShapeError('created app without `version`');
  return { deploymentId, version: app.version, app };
}

export function readInfo(text: string): MarathonInfo {
  const body = parseJson(text);
  if (!isObject(body)) throw new BodyShapeError('not an info object');
  return body as MarathonInfo;
}

export function readLeader(text: string): string {
  const body = parseJson(text);
  if (!isObject(body) || typeof body.leader !== 'string') throw new BodyShapeError('no string `leader`');
  return body.leader;
}

function checkApp(value: unknown, where: string): MarathonApp {
  if (!isObject(value) || typeof value.id !== 'string') throw new BodyShapeError(`${where} has no string \`id\``);
  return value as MarathonApp;
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.length === 0 ? undefined : s;
}
