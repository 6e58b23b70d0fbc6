// What Marathon's launch queue and deployment actors do for one app, as a pure decision: how
// many tasks to launch and which to kill so the app converges to `target` tasks.
//
// Only a restart replaces tasks of an older configuration (Marathon's RestartApplication step,
// its TaskReplaceActor): it rolls with the upgradeStrategy (deployments.md), at least
// ceil(target * minimumHealthCapacity) ready tasks at all times, at most
// floor(target * (1 + maximumOverCapacity)) tasks in total. Otherwise (a ScaleApplication step,
// the launch queue between deployments) tasks are counted whatever their configuration: a
// scale forced over a rolling restart is planned by Marathon as a scale (DeploymentPlan asks
// AppDefinition.isOnlyScaleChange first), and the old tasks it did not replace keep running.
// New tasks always get the current configuration. Scale-downs kill not-yet-ready tasks first,
// then by killSelection.

import { isReady, type Task } from './tasks.js';

export interface SchedulerInput {
  target: number;
  configVersion: string;
  /** A restart of the app runs (RestartApplication in a running deployment): older tasks are replaced. */
  replacing: boolean;
  /** Alive tasks of the app (kills in flight included; they are ignored). */
  tasks: readonly Task[];
  minimumHealthCapacity: number;
  maximumOverCapacity: number;
  killSelection: string;
}

export interface SchedulerDecision {
  launch: number;
  kill: Task[];
}

/** Tasks to kill first: not ready before ready, then by killSelection. */
export function killOrder(tasks: readonly Task[], killSelection: string): Task[] {
  const youngestFirst = killSelection !== 'OLDEST_FIRST';
  return [...tasks].sort((a, b) => {
    const ra = isReady(a) ? 1 : 0;
    const rb = isReady(b) ? 1 : 0;
    if (ra !== rb) return ra - rb;
    return youngestFirst ? b.stagedAtMs - a.stagedAtMs : a.stagedAtMs - b.stagedAtMs;
  });
}

export function decide(input: SchedulerInput): SchedulerDecision {
  const live = input.tasks.filter((t) => !t.killRequested);
  const current = live.filter((t) => t.configVersion === input.configVersion);
  const old = live.filter((t) => t.configVersion !== input.configVersion);
  const kill: Task[] = [];
  const target = Math.max(0, input.target);

  if (!input.replacing) {
    if (live.length > target) kill.push(...killOrder(live, input.killSelection).slice(0, live.length - target));
    return { launch: Math.max(0, target - live.length), kill };
  }

  if (current.length > target) kill.push(...killOrder(current, input.killSelection).slice(0, current.length - target));
  const keptCurrent = Math.min(current.length, target);

  if (old.length === 0) return { launch: target - keptCurrent, kill };

  const readyCurrent = current.filter((t) => isReady(t) && !kill.includes(t)).length;
  if (target === 0 || readyCurrent >= target) {
    kill.push(...old);
    return { launch: target - keptCurrent, kill };
  }
  const minHealthy = Math.ceil(target * input.minimumHealthCapacity - 1e-9);
  let maxTotal = Math.floor(target * (1 + input.maximumOverCapacity) + 1e-9);
  // minimumHealthCapacity 1 with maximumOverCapacity 0 could never progress: allow one extra
  if (maxTotal <= minHealthy) maxTotal = minHealthy + 1;

  const notReadyOld = old.filter((t) => !isReady(t));
  const readyOld = killOrder(
    old.filter((t) => isReady(t)),
    input.killSelection,
  );
  kill.push(...notReadyOld);
  const killable = Math.max(0, readyCurrent + readyOld.length - minHealthy);
  kill.push(...readyOld.slice(0, killable));

  const remaining = live.length - kill.length;
  const launch = Math.max(0, Math.min(target - keptCurrent, maxTotal - remaining));
  return { launch, kill };
}

/** The app runs exactly `target` ready tasks, of whatever configuration: a scale is done (ScaleApplication). */
export function scaled(input: Pick<SchedulerInput, 'target' | 'tasks'>): boolean {
  if (input.tasks.length !== input.target) return false;
  return input.tasks.every((t) => !t.killRequested && isReady(t));
}

/** The app runs exactly `target` ready tasks of its current configuration and nothing else: a restart is done. */
export function converged(input: Pick<SchedulerInput, 'target' | 'configVersion' | 'tasks'>): boolean {
  if (input.tasks.length !== input.target) return false;
  return input.tasks.every((t) => !t.killRequested && t.configVersion === input.configVersion && isReady(t));
}
