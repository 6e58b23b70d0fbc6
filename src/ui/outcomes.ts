// What the app page makes of an app's recent reconcile outcomes (`outcomes` of
// `GET /status/apps/{id}`, newest first): read defensively, as the rest of the page reads
// status (an older daemon sends none, a newer one may add values), and put into words. Pure,
// so it is tested in Node (test/ui/outcomes.test.ts); src/status/model.ts is the contract.

export interface UiOutcome {
  /** ISO times: the first and the latest (equal unless `count` > 1). */
  at: string;
  lastAt: string;
  count: number;
  action: string;
  result: string;
  deploymentId: string | null;
  version: string | null;
  code: string | null;
  message: string | null;
  changes: string[];
}

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The outcomes of an app reply; null when the daemon sends none (one from before them). */
export function readOutcomes(app: unknown): UiOutcome[] | null {
  const list = obj(app).outcomes;
  if (!Array.isArray(list)) return null;
  return list.flatMap((raw) => {
    const o = obj(raw);
    const at = str(o.at);
    if (at === null || Number.isNaN(Date.parse(at))) return [];
    const lastAt = str(o.lastAt);
    const count = typeof o.count === 'number' && Number.isInteger(o.count) && o.count > 0 ? o.count : 1;
    return [
      {
        at,
        lastAt: lastAt !== null && !Number.isNaN(Date.parse(lastAt)) ? lastAt : at,
        count,
        action: str(o.action) ?? 'none',
        result: str(o.result) ?? 'unknown',
        deploymentId: str(o.deploymentId),
        version: str(o.version),
        code: str(o.code),
        message: str(o.message),
        changes: Array.isArray(o.changes) ? o.changes.filter((c): c is string => typeof c === 'string') : [],
      },
    ];
  });
}

const RESULTS: Record<string, string> = {
  ok: 'OK',
  failed: 'Failed',
  rejected: 'Rejected',
  blocked: 'Blocked',
  waiting: 'Waiting',
  synced: 'In sync',
};

/** The result in a word (a value this page does not know yet is shown as it is). */
export function resultText(result: string): string {
  return RESULTS[result] ?? result;
}

const ACTIONS: Record<string, string> = {
  create: 'create',
  scale: 'scale',
  update: 'update (restart)',
  restart: 'restart (tasks of an older configuration)',
  delete: 'delete',
  read: 'read from Marathon',
  none: 'no write',
};

export function actionText(action: string): string {
  return ACTIONS[action] ?? action;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago" (a clock a little ahead counts as now). */
export function relativeTime(iso: string, nowMs: number): string {
  const s = Math.floor((nowMs - Date.parse(iso)) / 1000);
  if (!(s >= 10)) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** "2026-03-02 08:03:11 UTC": the same for everyone reading it, whatever their time zone. */
export function absoluteTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
