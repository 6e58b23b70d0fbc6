// Runs `maracker sandbox` as its own process for the signal tests (vite-node entry point; the
// real binary is dist/src/cli/main.js, which needs a build).
import { processEnv } from '../../../src/config/env.js';
import { command } from '../../../src/cli/commands/sandbox.js';

// vite-node's dev server exits on SIGTERM by itself (vite setupSIGTERMListener); the real binary
// has no such listener, so take it away and let the command handle the signal
process.removeAllListeners('SIGTERM');
process.exitCode = await command.run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: processEnv(), cwd: process.cwd() });
