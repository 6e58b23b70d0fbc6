// A recording fake of the Marathon port the controller uses (unit tests only; end-to-end
// tests use the sandbox). It stores definitions as sent and records every call as
// "METHOD /id [detail]" so tests can assert the exact list of API calls made.

import type { DeploymentRef, MarathonApp, MarathonAppDefinition, MarathonDeployment, MarathonEvent } from '../../src/model/marathon.js';
import { MarackerError } from '../../src/base/errors.js';
import type { ControllerMarathon } from '../../src/reconcile/controller.js';
import type { EventSubscription } from '../../src/reconcile/ports.js';
import { matchesSelectors, parseLabelSelector } from '../../src/sandbox/label-selector.js';

export class FakeMarathonError extends MarackerError {}

export class FakeMarathon implements ControllerMarathon {
  readonly apps = new Map<string, MarathonApp>();
  readonly calls: string[] = [];
  /** Errors to throw, by "METHOD id" or "METHOD" (consumed one per call). */
  readonly failures = new Map<string, unknown[]>();
  deployments: MarathonDeployment[] = [];
  /**
   * Apps whose reads and writes disagree, as behind a proxy or a standby Marathon (the
   * sandbox's faults of the same names): 'hidden' reads say 404 and lists leave the app out
   * while writes see it; 'missing-on-write' reads show it while writes answer 404.
   */
  readonly disagree = new Map<string, 'hidden' | 'missing-on-write'>();
  #seq = 0;
  #listeners: Array<{ onEvent(e: MarathonEvent): void; onGap(reason: string): void }> = [];

  seed(...apps: MarathonApp[]): this {
    for (const a of apps) this.apps.set(a.id, structuredClone(a));
    return this;
  }

  failNext(key: string, err: unknown): void {
    const list = this.failures.get(key) ?? [];
    list.push(err);
    this.failures.set(key, list);
  }

  /** Only calls that change Marathon. */
  writes(): string[] {
    return this.calls.filter((c) => !c.startsWith('GET'));
  }

  #record(call: string, method: string, id?: string): void {
    this.calls.push(call);
    if (id !== undefined && method !== 'GET' && this.disagree.get(id) === 'missing-on-write')
      throw new FakeMarathonError('MRK_MARATHON_NOT_FOUND', `App '${id}' does not exist`);
    for (const key of [id ? `${method} ${id}` : undefined, method]) {
      if (!key) continue;
      const list = this.failures.get(key);
      if (list && list.length > 0) throw list.shift();
    }
  }

  #ref(): DeploymentRef {
    return { deploymentId: `dep-${++this.#seq}`, version: new Date(0).toISOString() };
  }

  async listApps(opts?: { label?: string }): Promise<MarathonApp[]> {
    this.#record(`GET /v2/apps${opts?.label ? `?label=${opts.label}` : ''}`, 'LIST');
    const selectors = parseLabelSelector(opts?.label ?? '');
    return [...this.apps.values()].filter((a) => matchesSelectors(selectors, a.labels) && this.disagree.get(a.id) !== 'hidden').map((a) => structuredClone(a));
  }

  async getApp(id: string): Promise<MarathonApp> {
    this.#record(`GET ${id}`, 'GET', id);
    const app = this.apps.get(id);
    if (!app || this.disagree.get(id) === 'hidden') throw new FakeMarathonError('MRK_MARATHON_NOT_FOUND', `App '${id}' does not exist`);
    return structuredClone(app);
  }

  async listDeployments(): Promise<MarathonDeployment[]> {
    this.#record('GET /v2/deployments', 'DEPLOYMENTS');
    return this.deployments;
  }

  async createApp(def: MarathonAppDefinition): Promise<DeploymentRef> {
    this.#record(`POST ${def.id}`, 'POST', def.id);
    if (this.apps.has(def.id)) throw new FakeMarathonError('MRK_MARATHON_ALREADY_EXISTS', 'exists');
    this.apps.set(def.id, structuredClone(def) as MarathonApp);
    return this.#ref();
  }

  async updateApp(id: string, def: MarathonAppDefinition, opts?: { force?: boolean }): Promise<DeploymentRef> {
    this.#record(`PUT ${id}${opts?.force ? ' force' : ''}`, 'PUT', id);
    this.apps.set(id, structuredClone(def) as MarathonApp);
    return this.#ref();
  }

  async scaleApp(id: string, instances: number, opts?: { force?: boolean }): Promise<DeploymentRef> {
    this.#record(`SCALE ${id} ${instances}${opts?.force ? ' force' : ''}`, 'SCALE', id);
    const app = this.apps.get(id);
    if (!app) throw new FakeMarathonError('MRK_MARATHON_NOT_FOUND', 'gone');
    app.instances = instances;
    return this.#ref();
  }

  /** A restart replaces every task: here, those listed get the app's version (its configuration's). */
  async restartApp(id: string, opts?: { force?: boolean }): Promise<DeploymentRef> {
    this.#record(`RESTART ${id}${opts?.force ? ' force' : ''}`, 'RESTART', id);
    const app = this.apps.get(id);
    if (!app) throw new FakeMarathonError('MRK_MARATHON_NOT_FOUND', 'gone');
    const at = app.versionInfo?.lastConfigChangeAt;
    if (at !== undefined) for (const t of app.tasks ?? []) t.version = at;
    return this.#ref();
  }

  async deleteApp(id: string): Promise<DeploymentRef> {
    this.#record(`DELETE ${id}`, 'DELETE', id);
    this.apps.delete(id);
    return this.#ref();
  }

  events(opts: { onEvent(e: MarathonEvent): void; onGap(reason: string): void }): EventSubscription {
    this.#listeners.push(opts);
    return { close: async () => void (this.#listeners = this.#listeners.filter((l) => l !== opts)) };
  }

  emit(e: MarathonEvent): void {
    for (const l of this.#listeners) l.onEvent(e);
  }

  gap(reason: string): void {
    for (const l of this.#listeners) l.onGap(reason);
  }
}
