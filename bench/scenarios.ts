// The scenarios of `npm run bench`, in the order they run. Each one starts what it needs
// (sandbox, daemon process, PostgreSQL), returns its figures, and stops everything it started.

import { benchCommitToWrite } from './commit-to-write.js';
import { benchConverge } from './converge.js';
import { benchGitPush } from './git-push.js';
import { benchPlan } from './plan.js';
import type { BenchRecord } from './record.js';
import { benchResync, benchResync30k } from './resync.js';
import { benchSandbox } from './sandbox.js';
import { benchSaveToWrite } from './save-to-write.js';
import { benchTraefikV3 } from './traefik-v3.js';
import { benchVersusScript } from './versus-script.js';

export interface Scenario {
  /** What --only takes. */
  name: string;
  title: string;
  /** `earlier`: the figures of the scenarios that ran before it in this invocation (resync-30k compares with resync's). */
  run: (earlier: readonly BenchRecord[]) => Promise<BenchRecord[]>;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'plan', title: 'plan CPU, 10,000 desired vs 10,000 actual (issue 2)', run: benchPlan },
  { name: 'sandbox', title: 'sandbox GET /v2/apps at 10,000 apps (issue 3)', run: benchSandbox },
  { name: 'save-to-write', title: 'file save -> first Marathon write (issue 4)', run: benchSaveToWrite },
  { name: 'commit-to-write', title: 'database commit -> first Marathon write (issue 5)', run: benchCommitToWrite },
  { name: 'git-push', title: 'git push (webhook) -> first Marathon write (issue 17)', run: benchGitPush },
  { name: 'resync', title: 'resync pass at 10,000 apps, passes with nothing to do, status latency', run: benchResync },
  { name: 'resync-30k', title: 'the resync scenario at 30,000 apps, and how each figure grew from 10,000', run: benchResync30k },
  { name: 'converge', title: 'converging 1,000 new apps under --max-deployments', run: benchConverge },
  { name: 'traefik-v3', title: 'GET /traefik/v3 at 1,000 exposed apps: poll latency, task killed -> served (issue 19)', run: benchTraefikV3 },
  { name: 'versus-script', title: 'one changed app among 1,000: maracker vs a PUT-everything script', run: benchVersusScript },
];
