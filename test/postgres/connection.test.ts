// createPool against a real PostgreSQL: connections the server drops never take the process down.

import type pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createPool } from '../../src/postgres/connection.js';
import { silentLogger } from '../../src/base/log.js';
import { connect, usePostgres } from '../helpers/postgres.js';

const server = usePostgres();

describe('createPool', () => {
  it('survives the backend of a checked-out client ending between two queries (torture seed 2002: PostgreSQL stopped mid-transaction)', async () => {
    const url = await server.database();
    const pool = createPool(url, { purpose: 'status', max: 2, logger: silentLogger() });
    onTestFinished(() => pool.end());
    const client = await pool.connect();
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    const admin: pg.Client = await connect(url);
    // The server says "terminating connection due to administrator command" (as on a
    // shutdown) while this client runs no query: an 'error' event nobody listened to was
    // an uncaught exception, and the daemon died.
    // Waited for by its event, not a 200 ms sleep a busy machine can outlast (the query below
    // would then race the termination instead of following it).
    const ended = new Promise((resolve) => client.once('end', resolve));
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await ended;
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release(true);
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
  });
});
