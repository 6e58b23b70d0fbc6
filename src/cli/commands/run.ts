// `maracker run`: the reconciler daemon.

import { DAEMON_OPTIONS, loadDaemonConfig } from '../../config/daemon.js';
import { launchDaemon } from '../../app/launch.js';
import type { Command } from '../command.js';
import { listening } from '../listen-errors.js';
import { untilSignal } from '../signals.js';

export const command: Command = {
  name: 'run',
  summary: 'Run the reconciler daemon: keep Marathon equal to the manifests (and database rows)',
  usage: 'run [--marathon URL] [--manifests DIR] [--database-url URL] [--listen HOST:PORT] [options]',
  description: [
    'Watches the manifests folder (and the database table when --database-url is set), diffs',
    'the desired apps against Marathon and converges: creates, scales, updates and removes the',
    'apps it owns. Status is served on --listen (GET /status, /healthz, /readyz, /metrics).',
    'SIGTERM or SIGINT stops the sources, lets in-flight requests finish within',
    '--shutdown-timeout, and exits 0.',
  ].join('\n'),
  options: DAEMON_OPTIONS,
  exitCodes: [
    [0, 'stopped by SIGTERM or SIGINT'],
    [1, 'invalid configuration, or the status port could not be bound'],
  ],
  async run(args, io) {
    const { config } = loadDaemonConfig(args, io.env, io.cwd);
    const daemon = await listening(() => launchDaemon(config), '--listen', config.listen.host, config.listen.port);
    io.stderr.write(`maracker: reconciling ${config.marathon.url}; status at ${daemon.statusServer.url}/status\n`);
    const signal = await untilSignal();
    daemon.logger.info({ signal }, 'signal received');
    await daemon.stop();
    return 0;
  },
};
