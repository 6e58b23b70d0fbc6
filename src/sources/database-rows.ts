// Reading rows of maracker.apps: the whole table, or the rows of a batch of ids. Ids named
// by notifications are read with `WHERE id = ANY($1)` in chunks, so 10,000 rows changed in
// one transaction cost a handful of queries, never one per row.
//
// Any portal account can insert a spec of up to 255 MB (jsonb's limit): PostgreSQL measures
// each row, and one over `maxRowBytes` comes back with its size and without its spec and
// labels, so it is neither transferred nor parsed here (a 50 MB value took RSS to 1.8 GB).

import type pg from 'pg';
import { ALL_PAYLOAD, SCHEMA } from '../postgres/names.js';
import { checkInteger } from '../base/options.js';

export interface AppRow {
  id: string;
  /** null when the row is over the size limit (see bytes). */
  spec: unknown;
  labels: unknown;
  adopt: boolean;
  /** bigint as a decimal string. */
  revision: string;
  /** Size of spec and labels as JSON text. */
  bytes: number;
}

/** $1 is the size limit in bytes. */
const COLUMNS = `id,
  CASE WHEN size.bytes <= $1 THEN spec END AS spec,
  CASE WHEN size.bytes <= $1 THEN labels END AS labels,
  adopt, revision::text AS revision, size.bytes::float8 AS bytes`;
const FROM = `${SCHEMA}.apps, LATERAL (SELECT octet_length(spec::text)::bigint + coalesce(octet_length(labels::text), 0) AS bytes) size`;

export class RowReader {
  readonly #pool: pg.Pool;
  readonly #chunkSize: number;
  readonly #maxRowBytes: number;
  /** Queries that read rows (whole table or a chunk of ids): what batching keeps small. */
  queries = 0;

  constructor(pool: pg.Pool, options: { chunkSize?: number; maxRowBytes: number }) {
    const chunk = options.chunkSize ?? 1_000;
    checkInteger('chunkSize', chunk, 1);
    checkInteger('maxRowBytes', options.maxRowBytes, 1);
    this.#pool = pool;
    this.#chunkSize = chunk;
    this.#maxRowBytes = options.maxRowBytes;
  }

  async readAll(): Promise<AppRow[]> {
    this.queries++;
    const r = await this.#pool.query<AppRow>(`SELECT ${COLUMNS} FROM ${FROM} ORDER BY id`, [this.#maxRowBytes]);
    return r.rows;
  }

  /**
   * Reads no row, but fails as a read would if the table cannot be read (renamed, dropped,
   * its columns or the right to select them taken away): PostgreSQL checks names and
   * privileges before it runs a query, whatever its LIMIT.
   */
  async probe(): Promise<void> {
    await this.#pool.query(`SELECT id, spec, labels, adopt, revision FROM ${SCHEMA}.apps LIMIT 0`);
  }

  /** Rows of the given ids that exist; an id without a row was deleted. */
  async readIds(ids: readonly string[]): Promise<AppRow[]> {
    const rows: AppRow[] = [];
    for (let i = 0; i < ids.length; i += this.#chunkSize) {
      this.queries++;
      const r = await this.#pool.query<AppRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE id = ANY($2::text[])`, [
        this.#maxRowBytes,
        ids.slice(i, i + this.#chunkSize),
      ]);
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
  readonly #fullReadAbove: number;

  constructor(fullReadAbove: number) {
    this.#fullReadAbove = fullReadAbove;
  }

  add(payload: string): void {
    if (this.#all) return;
    if (payload === ALL_PAYLOAD || payload === '') {
      this.markAll();
      return;
    }
    this.#ids.add(payload);
    if (this.#ids.size > this.#fullReadAbove) this.markAll();
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
