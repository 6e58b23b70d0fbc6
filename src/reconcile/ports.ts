// The parts of the Marathon client the controller uses, as interfaces: the real
// MarathonClient satisfies them structurally; unit tests pass recording fakes.

import type { DeploymentRef, MarathonApp, MarathonAppDefinition, MarathonDeployment, MarathonEvent } from '../model/marathon.js';

export type Embed = 'apps.tasks' | 'apps.counts' | 'apps.deployments' | 'apps.lastTaskFailure';

export interface MarathonReader {
  getApp(id: string, opts?: { embed?: Embed[] }): Promise<MarathonApp>;
  listApps(opts?: { label?: string; embed?: Embed[] }): Promise<MarathonApp[]>;
  listDeployments(): Promise<MarathonDeployment[]>;
}

export interface MarathonWriter {
  createApp(def: MarathonAppDefinition): Promise<DeploymentRef>;
  updateApp(id: string, def: MarathonAppDefinition, opts?: { force?: boolean }): Promise<DeploymentRef>;
  scaleApp(id: string, instances: number, opts?: { force?: boolean }): Promise<DeploymentRef>;
  /** POST /v2/apps/{id}/restart: every task replaced by one of the current configuration. */
  restartApp(id: string, opts?: { force?: boolean }): Promise<DeploymentRef>;
  deleteApp(id: string, opts?: { force?: boolean }): Promise<DeploymentRef>;
}

export interface EventSubscription {
  close(): Promise<void>;
}

export interface MarathonEvents {
  events(opts: {
    eventTypes?: string[];
    onEvent(e: MarathonEvent): void;
    onGap(reason: string): void;
    onConnected?(): void;
    onError?(err: unknown): void;
    /** Reconnect when nothing (not even a heartbeat) arrived for this long. */
    idleTimeoutMs?: number;
    /** Drop (and reconnect) the stream when one event grows larger than this, in bytes. */
    maxEventBytes?: number;
  }): EventSubscription;
}
