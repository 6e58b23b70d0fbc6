// Reading rows of maracker.apps: the whole table, or the rows of a batch of ids. Ids named
// by notifications are read with `WHERE id = ANY($1)` in chunks, so 10,000 rows changed in
// one transaction cost a handful of queries, never one per row.

import type pg from 'pg';
import { ALL_PAYLOAD, SCHEMA } from './names.js';

export interface AppRow {
  id: string;
  spec: unknown;
  labels: unknown;
  adopt: boolean;
  /** bigint as a decimal string. */
  revision: string;
}

const COLUMNS = 'id, spec, labels, adopt, revision::text AS revision';

export class RowReader {
  readonly #pool: pg.Pool;
  readonly #chunkSize: number;
  /** Queries that read rows (whole table or a chunk of ids): what batching keeps small. */
  queries = 0;

  constructor(pool: pg.Pool, options: { chunkSize?: number } = {}) {
    const chunk = options.chunkSize ?? 1_000;
    if (!Number.isInteger(chunk) || chunk < 1) throw new TypeError(`Expected \`chunkSize\` to be an integer from 1 and up, got \`${chunk}\``);
    this.#pool = pool;
    this.#chunkSize = chunk;
  }

  async readAll(): Promise<AppRow[]> {
    this.queries++;
    const r = await this.#pool.query<AppRow>(`SELECT ${COLUMNS} FROM ${SCHEMA}.apps ORDER BY id`);
    return r.rows;
  }

  /** Rows of the given ids that exist; an id without a row was deleted. */
  async readIds(ids: readonly string[]): Promise<AppRow[]> {
    const rows: AppRow[] = [];
    for (let i = 0; i < ids.length; i += this.#chunkSize) {
      this.queries++;
      const r = await this.#pool.query<AppRow>(`SELECT ${COLUMNS} FROM ${SCHEMA}.apps WHERE id = ANY($1::text[])`, [ids.slice(i, i + this.#chunkSize)]);
      rows.push(...r.rows);
    }
    return rows;
  }
}

/**
 * Ids named by notifications, collected until the next read. Too many (a bulk change) or the
 * "everything" payload turn the batch into one read of the whole table.
 */
export class IdBatch {
  readonly #ids = new Set<string>();
  #all = false;

  constructor(private readonly fullReadAbove: number) {}

  add(payload: string): void {
    if (this.#all) return;
    if (payload === ALL_PAYLOAD || payload === '') {
      this.markAll();
      return;
    }
    this.#ids.add(payload);
    if (this.#ids.size > this.fullReadAbove) this.markAll();
  }

  markAll(): void {
    this.#all = true;
    this.#ids.clear();
  }

  get empty(): boolean {
    return !this.#all && this.#ids.size === 0;
  }

  /** Empties the batch and returns what it held. */
  take(): { all: true } | { ids: string[] } {
    if (this.#all) {
      this.#all = false;
      return { all: true };
    }
    const ids = [...this.#ids];
    this.#ids.clear();
    return { ids };
  }
}
