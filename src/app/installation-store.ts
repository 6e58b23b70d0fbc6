// The installation name stored in the database (maracker.installation, written once by
// migration 4): every daemon sharing the database is the same installation, whichever
// starts first, and stays so across restarts.

import type pg from 'pg';
import { installationProblem } from '../model/installation.js';
import { InstallationRowError } from '../postgres/errors.js';
import { SCHEMA } from '../postgres/names.js';

/** Reads the name. Never writes one: a new name would disown every app of the installation. */
export async function readInstallationName(db: pg.Pool | pg.ClientBase): Promise<string> {
  const r = await db.query<{ name: string }>(`SELECT name FROM ${SCHEMA}.installation`);
  const name = r.rows[0]?.name;
  if (name === undefined) {
    throw new InstallationRowError(
      `${SCHEMA}.installation is empty: insert the name this installation's apps carry (maracker.managed-by=maracker.<name>), or start with --installation <name>`,
    );
  }
  const problem = installationProblem(name);
  if (problem) throw new InstallationRowError(`${SCHEMA}.installation: ${problem}`);
  return name;
}
