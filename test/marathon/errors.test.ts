import { MockAgent } from 'undici';
import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../src/marathon/classify.js';
import {
  MAX_ERROR_BODY,
  MarathonAlreadyExistsError,
  MarathonConflictError,
  MarathonDeploymentCapError,
  MarathonDeploymentLockedError,
  MarathonError,
  MarathonForbiddenError,
  MarathonNotFoundError,
  MarathonServerError,
  MarathonUnauthorizedError,
  MarathonUnexpectedStatusError,
  MarathonValidationError,
} from '../../src/marathon/errors.js';
import { failureKind } from '../../src/marathon/retry.js';
import { rejection, testClient } from './helpers/client.js';
import { fixture, json, startServer } from './helpers/server.js';

const request = { method: 'PUT', path: '/v2/apps/web?partialUpdate=false', appId: '/web' };

describe('classifyResponse (recorded Marathon bodies)', () => {
  it.each([
    [409, '409-app-locked-by-deployment.json', MarathonDeploymentLockedError, 'MRK_MARATHON_DEPLOYMENT_LOCKED'],
    [409, '409-duplicate-id.json', MarathonAlreadyExistsError, 'MRK_MARATHON_ALREADY_EXISTS'],
    [422, '422-object-not-valid.json', MarathonValidationError, 'MRK_MARATHON_VALIDATION'],
    [422, '422-group-not-child.json', MarathonValidationError, 'MRK_MARATHON_VALIDATION'],
    [400, '400-invalid-json.json', MarathonValidationError, 'MRK_MARATHON_VALIDATION'],
    [422, '400-invalid-json.json', MarathonValidationError, 'MRK_MARATHON_VALIDATION'],
    [400, '400-json-parse-details-string.RECONSTRUCTED.json', MarathonValidationError, 'MRK_MARATHON_VALIDATION'],
    [404, '404-app-does-not-exist.json', MarathonNotFoundError, 'MRK_MARATHON_NOT_FOUND'],
    [404, '404-deployment-unknown.json', MarathonNotFoundError, 'MRK_MARATHON_NOT_FOUND'],
    [401, '401-unauthorized.json', MarathonUnauthorizedError, 'MRK_MARATHON_UNAUTHORIZED'],
    [403, '403-forbidden.json', MarathonForbiddenError, 'MRK_MARATHON_FORBIDDEN'],
    [403, '403-too-many-running-deployments.RECONSTRUCTED.json', MarathonDeploymentCapError, 'MRK_MARATHON_DEPLOYMENT_CAP'],
  ] as const)('maps %i with %s to its class', (status, file, cls, code) => {
    const body = fixture(`errors/${file}`);
    const err = classifyResponse(status, body, request);
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(MarathonError);
    expect(err.code).toBe(code);
    expect(err).toMatchObject({ status, method: 'PUT', path: '/v2/apps/web?partialUpdate=false', appId: '/web', body });
  });

  it('reads the blocking deployment ids from a lock', () => {
    const err = classifyResponse(409, fixture('errors/409-app-locked-by-deployment.json'), request);
    expect((err as MarathonDeploymentLockedError).deploymentIds).toEqual(['97c136bf-5a28-4821-9d94-480d9fbb01c8']);
    expect(failureKind(err)).toBe('wait-lock');
  });

  it('reads the limit from the deployment cap, which is a 403 but not an authorisation failure', () => {
    const err = classifyResponse(403, fixture('errors/403-too-many-running-deployments.RECONSTRUCTED.json'), request);
    expect((err as MarathonDeploymentCapError).maxRunningDeployments).toBe(100);
    expect(failureKind(err)).toBe('cap');
  });

  it('normalises both validation body shapes into details [{path, errors}]', () => {
    const list = classifyResponse(422, fixture('errors/422-object-not-valid.json'), request) as MarathonValidationError;
    expect(list.details).toEqual([{ path: '/upgradeStrategy/minimumHealthCapacity', errors: ['is greater than 1'] }]);
    expect(list.serverMessage).toBe('Object is not valid');
    expect(list.message).toContain('/upgradeStrategy/minimumHealthCapacity is greater than 1');

    const typeError = classifyResponse(422, fixture('errors/400-invalid-json.json'), request) as MarathonValidationError;
    expect(typeError.details).toEqual([{ path: '/id', errors: ['error.expected.jsstring'] }]);

    const parse = classifyResponse(400, fixture('errors/400-json-parse-details-string.RECONSTRUCTED.json'), request) as MarathonValidationError;
    expect(parse.details).toEqual([{ path: '/', errors: ['Unexpected end-of-input: expected close marker for Object'] }]);
  });

  it('reads the pre-1.0 bean validation shape too', () => {
    const body = JSON.stringify({ message: 'Bean is not valid', errors: [{ attribute: 'id', error: 'must not be empty' }] });
    const err = classifyResponse(422, body, request) as MarathonValidationError;
    expect(err.details).toEqual([{ path: '/id', errors: ['must not be empty'] }]);
  });

  it('keeps a 409 that is neither a lock nor a duplicate as a plain conflict', () => {
    const err = classifyResponse(409, '{"message":"Requested service port 10000 conflicts with a service port in app /other"}', request);
    expect(err).toBeInstanceOf(MarathonConflictError);
    expect(err.code).toBe('MRK_MARATHON_CONFLICT');
  });

  it('classifies 5xx as server errors and anything else as unexpected, even with a non-JSON body', () => {
    const html = '<html><body>Bad Gateway</body></html>';
    expect(classifyResponse(502, html, request)).toBeInstanceOf(MarathonServerError);
    expect(classifyResponse(503, '', request).code).toBe('MRK_MARATHON_SERVER_ERROR');
    expect(classifyResponse(405, html, request)).toBeInstanceOf(MarathonUnexpectedStatusError);
  });

  it('truncates long bodies', () => {
    const err = classifyResponse(500, 'x'.repeat(10 * MAX_ERROR_BODY), request);
    expect(err.body!.length).toBeLessThan(MAX_ERROR_BODY + 100);
  });
});

describe('MarathonClient error classes from a real server', () => {
  it.each([
    ['locked', 409, '409-app-locked-by-deployment.json', 'MRK_MARATHON_DEPLOYMENT_LOCKED'],
    ['duplicate', 409, '409-duplicate-id.json', 'MRK_MARATHON_ALREADY_EXISTS'],
    ['invalid', 422, '422-object-not-valid.json', 'MRK_MARATHON_VALIDATION'],
    ['badjson', 400, '400-invalid-json.json', 'MRK_MARATHON_VALIDATION'],
    ['missing', 404, '404-app-does-not-exist.json', 'MRK_MARATHON_NOT_FOUND'],
    ['nologin', 401, '401-unauthorized.json', 'MRK_MARATHON_UNAUTHORIZED'],
    ['denied', 403, '403-forbidden.json', 'MRK_MARATHON_FORBIDDEN'],
    ['capped', 403, '403-too-many-running-deployments.RECONSTRUCTED.json', 'MRK_MARATHON_DEPLOYMENT_CAP'],
    ['clash', 409, '{"message":"Requested service port 10000 conflicts with a service port in app /other"}', 'MRK_MARATHON_CONFLICT'],
    ['broken', 500, '{"message":"Internal server error"}', 'MRK_MARATHON_SERVER_ERROR'],
    ['weird', 405, '<html>HTTP ERROR: 405</html>', 'MRK_MARATHON_UNEXPECTED_STATUS'],
  ] as const)('updateApp of /%s answered %i raises %s', async (name, status, file, code) => {
    const body = file.endsWith('.json') ? fixture(`errors/${file}`) : file;
    const server = await startServer((_req, res) => json(res, status, body));
    const { client } = testClient(server.url);
    const err = await rejection(client.updateApp(`/${name}`, { id: `/${name}`, cmd: 'sleep 1' }));
    expect(err).toBeInstanceOf(MarathonError);
    expect(err).toMatchObject({ code, status, method: 'PUT', path: `/v2/apps/${name}?partialUpdate=false`, appId: `/${name}` });
    expect(err.body).toBe(body);
    expect(server.received).toHaveLength(1);
  });

  it('raises the not-found error from getApp through an undici MockAgent', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('http://marathon.test:8080')
      .intercept({ path: '/v2/apps/mip/prod/web', method: 'GET' })
      .reply(404, fixture('errors/404-app-does-not-exist.json'), { headers: { 'content-type': 'application/json' } });
    const { client } = testClient('http://marathon.test:8080', { dispatcher: agent });
    const err = await rejection(client.getApp('/mip/prod/web'));
    expect(err).toBeInstanceOf(MarathonNotFoundError);
    expect(err).toMatchObject({ code: 'MRK_MARATHON_NOT_FOUND', status: 404, serverMessage: "App '/not_existent' does not exist" });
    await agent.close();
  });
});
