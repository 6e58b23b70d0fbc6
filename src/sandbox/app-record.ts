// One app as the sandbox holds it: its canonical definition, versioning, tasks, launch state,
// and the caches that make listing 10,000 apps cheap.

import type { JsonObject } from '../model/marathon.js';
import type { VersionInfo } from './app-json.js';
import type { BackoffState } from './backoff.js';
import type { Task } from './tasks.js';
import type { Timer } from './time.js';

export interface AppRecord {
  readonly id: string;
  def: JsonObject;
  version: string;
  versionInfo: VersionInfo;
  readonly tasks: Map<string, Task>;
  lastTaskFailure?: JsonObject;
  backoff?: BackoffState;
  /** Instances whose task died and that relaunch with the next incarnation. */
  relaunch: Array<{ instanceId: string; incarnation: number }>;
  /** Cached JSON of the definition, without the closing brace. */
  head?: string;
  /** Verbatim JSON of a seeded app: served as is and never scheduled until written to. */
  seedRaw?: string;
  timer?: Timer;
  /** Bumped on every change visible in the app's JSON; keys the serialisation cache. */
  rev: number;
  infoCache?: Map<number, InfoCacheEntry>;
}

/** One serialisation of an app: valid while `rev` is the app's and the clock is before `until`. */
export interface InfoCacheEntry {
  rev: number;
  text: string;
  bytes?: Buffer;
  until: number;
}
