// One long-lived `git cat-file --batch-command` on maracker's own clone: every object the git
// source reads (the fetched commit, its trees, the sizes and contents of its blobs) goes
// through it, so reading a pushed commit starts no process. A process start costs 20-50 ms on
// a loaded machine, and a push used to wait for three of them after the fetch.
//
// Why it stays correct across fetches: cat-file looks a loose object up on disk each time,
// and on a miss it re-reads the list of packs before answering "missing", so objects a later
// fetch brought are found. Refs are never resolved here (a ref could be cached): callers ask
// by object id only.
//
// Bounded like every git command of ./run.ts: the hardened invocation, a timeout per request
// and a byte budget per request. Whatever goes wrong (a timeout, more bytes than the budget,
// git exiting), the process is killed, the request fails, and the next request starts a new
// process: an answer is never read out of step with its question.

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { bareArgs } from './run.js';

const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export type CatFileObject = { oid: string; type: string; size: number } | { oid: string; missing: true };
export type CatFileContent = { oid: string; type: string; size: number; content: Buffer } | { oid: string; missing: true };
export type CatFileFailure = { ok: false; reason: string; overflow?: boolean };

export interface CatFileOptions {
  /** The bare repository. */
  gitDir: string;
  /** gitEnvironment(). */
  env: Readonly<Record<string, string>>;
  /** One request may take this long. Default 30 s. */
  timeoutMs?: number;
}

interface Pending {
  mode: 'info' | 'contents';
  oids: readonly string[];
  maxBytes: number;
  answers: CatFileContent[];
  /** Content bytes announced so far. */
  bytes: number;
  resolve: (r: { ok: true; answers: CatFileContent[] } | CatFileFailure) => void;
}

export class CatFile {
  readonly #o: Required<CatFileOptions>;
  #child: ChildProcessWithoutNullStreams | undefined;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #stderr = '';
  #pending: Pending | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Requests run one at a time, in order. */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Processes started (for tests: reads reuse one). */
  started = 0;

  constructor(o: CatFileOptions) {
    this.#o = { timeoutMs: 30_000, ...o };
  }

  /** Type and size of each object, in order. */
  async info(oids: readonly string[]): Promise<{ ok: true; objects: CatFileObject[] } | CatFileFailure> {
    const r = await this.#request('info', oids, 0);
    return r.ok ? { ok: true, objects: r.answers.map((a) => ('missing' in a ? a : { oid: a.oid, type: a.type, size: a.size })) } : r;
  }

  /** Type, size and bytes of each object, in order; fails (and kills git) past `maxBytes` in all. */
  contents(oids: readonly string[], maxBytes: number): Promise<{ ok: true; answers: CatFileContent[] } | CatFileFailure> {
    return this.#request('contents', oids, maxBytes);
  }

  /** Stops the process; later requests fail. */
  close(): void {
    this.#closed = true;
    this.#kill('git cat-file was stopped (maracker is stopping)');
  }

  #request(mode: Pending['mode'], oids: readonly string[], maxBytes: number): Promise<{ ok: true; answers: CatFileContent[] } | CatFileFailure> {
    const run = this.#queue.then(() => this.#run(mode, oids, maxBytes));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #run(mode: Pending['mode'], oids: readonly string[], maxBytes: number): Promise<{ ok: true; answers: CatFileContent[] } | CatFileFailure> {
    if (this.#closed) return Promise.resolve({ ok: false, reason: 'git cat-file was stopped (maracker is stopping)' });
    // Object ids only: a name could hold a newline (a second command) or resolve a cached ref.
    const bad = oids.find((o) => !OID.test(o));
    if (bad !== undefined) return Promise.resolve({ ok: false, reason: `not an object id: ${JSON.stringify(bad.slice(0, 80))}` });
    if (oids.length === 0) return Promise.resolve({ ok: true, answers: [] });
    const child = this.#process();
    if (!child) return Promise.resolve({ ok: false, reason: 'git cat-file could not be started' });
    return new Promise((resolve) => {
      this.#pending = { mode, oids, maxBytes, answers: [], bytes: 0, resolve };
      this.#timer = setTimeout(() => this.#kill('git did not answer in time'), this.#o.timeoutMs);
      child.stdin.write(`${oids.map((o) => `${mode} ${o}`).join('\n')}\n`);
      this.#parse();
    });
  }

  #process(): ChildProcessWithoutNullStreams | undefined {
    if (this.#child) return this.#child;
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn('git', bareArgs(this.#o.gitDir, ['cat-file', '--batch-command']), { cwd: '/', env: this.#o.env, stdio: 'pipe', windowsHide: true });
    } catch {
      return undefined;
    }
    this.started++;
    this.#child = child;
    this.#chunks = [];
    this.#buffered = 0;
    this.#stderr = '';
    // Never what keeps the daemon (or a one-off command) alive: it ends with its stdin.
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr] as unknown as Array<{ unref?: () => void }>) s.unref?.();
    child.stdin.on('error', () => undefined);
    child.stdout.on('data', (chunk: Buffer) => {
      if (this.#child !== child) return;
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      this.#parse();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (this.#stderr.length < 16_384) this.#stderr += chunk.toString('utf8');
    });
    const gone = (why: string): void => {
      if (this.#child !== child) return;
      const said = this.#stderr.split('\n').find((l) => /^(fatal|error): /.test(l)) ?? '';
      this.#kill(said ? `${why}: ${said.slice(0, 300)}` : why);
    };
    child.on('error', (e: NodeJS.ErrnoException) =>
      gone(e.code === 'ENOENT' ? 'git is not installed (not found on PATH)' : 'git cat-file could not be started'),
    );
    child.on('close', (code) => gone(`git cat-file exited (${code ?? 'killed'})`));
    return child;
  }

  /** Reads as many answers of the pending request as the bytes received hold. */
  #parse(): void {
    const p = this.#pending;
    if (!p) return;
    while (p.answers.length < p.oids.length) {
      const lf = this.#indexOfNewline();
      if (lf < 0) return;
      const header = this.#peek(lf).toString('utf8');
      const [oid = '', type = '', sizeText = ''] = header.split(' ');
      if (type === 'missing' || type === 'ambiguous' || sizeText === '') {
        this.#take(lf + 1);
        p.answers.push({ oid: p.oids[p.answers.length] as string, missing: true });
        continue;
      }
      const size = Number(sizeText);
      if (!Number.isSafeInteger(size) || size < 0) {
        this.#kill('git cat-file answered an unreadable header');
        return;
      }
      if (p.mode === 'info') {
        this.#take(lf + 1);
        p.answers.push({ oid, type, size, content: Buffer.alloc(0) });
        continue;
      }
      if (p.bytes + size > p.maxBytes) {
        this.#kill(`git wrote more than ${p.maxBytes} bytes`, true);
        return;
      }
      if (this.#buffered < lf + 1 + size + 1) return;
      this.#take(lf + 1);
      const content = this.#take(size + 1).subarray(0, size);
      p.bytes += size;
      p.answers.push({ oid, type, size, content });
    }
    this.#settle({ ok: true, answers: p.answers });
  }

  #settle(r: { ok: true; answers: CatFileContent[] } | CatFileFailure): void {
    const p = this.#pending;
    this.#pending = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    p?.resolve(r);
  }

  /** Kills the process (the next request starts another) and fails the pending request. */
  #kill(reason: string, overflow = false): void {
    const child = this.#child;
    this.#child = undefined;
    this.#chunks = [];
    this.#buffered = 0;
    child?.kill('SIGKILL');
    this.#settle({ ok: false, reason, ...(overflow ? { overflow } : {}) });
  }

  #indexOfNewline(): number {
    let base = 0;
    for (const c of this.#chunks) {
      const at = c.indexOf(0x0a);
      if (at >= 0) return base + at;
      base += c.length;
    }
    return -1;
  }

  /** The first `n` bytes, left in place. */
  #peek(n: number): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.#chunks, this.#buffered).subarray(0, n);
  }

  /** Removes and returns the first `n` bytes (copied at most once, from the chunks they span). */
  #take(n: number): Buffer {
    let spanned = 0;
    let bytes = 0;
    while (bytes < n) bytes += (this.#chunks[spanned++] as Buffer).length;
    const joined = spanned === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks.slice(0, spanned), bytes);
    this.#chunks.splice(0, spanned, ...(joined.length > n ? [joined.subarray(n)] : []));
    this.#buffered -= n;
    return joined.subarray(0, n);
  }
}
