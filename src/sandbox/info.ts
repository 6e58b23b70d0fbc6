// GET /v2/info: Marathon 1.10's server description. Keys follow raml-master/v2/examples/info.json;
// the values describe the sandbox (its listen address, its port range, no ZooKeeper behind it).
// Only keys that clients of 1.10 (e.g. python3-marathon's MarathonInfo) know are included.

import type { JsonObject } from '../model/marathon.js';
import type { PortRange } from './ports.js';

/** The newest Marathon release (v1.10.26, commit 0513cddcac). */
export const MARATHON_VERSION = '1.10.26';

export function infoJson(
  leader: string,
  frameworkId: string,
  servicePorts: PortRange,
  config: { defaultNetworkName: string | undefined; features: readonly string[] },
): JsonObject {
  const [hostname, port] = leader.split(':');
  return {
    name: 'marathon',
    version: MARATHON_VERSION,
    buildref: '0513cddcac',
    elected: true,
    leader,
    frameworkId,
    marathon_config: {
      access_control_allow_origin: null,
      checkpoint: true,
      decline_offer_duration: 120000,
      default_network_name: config.defaultNetworkName ?? null,
      env_vars_prefix: null,
      executor: '//cmd',
      failover_timeout: 604800,
      features: [...config.features],
      framework_name: 'marathon',
      ha: true,
      hostname: hostname ?? '127.0.0.1',
      launch_token: 100,
      launch_token_refresh_interval: 30000,
      leader_proxy_connection_timeout_ms: 5000,
      leader_proxy_read_timeout_ms: 10000,
      local_port_max: servicePorts.max,
      local_port_min: servicePorts.min,
      master: 'zk://localhost:2181/mesos',
      max_instances_per_offer: 100,
      mesos_bridge_name: 'mesos-bridge',
      mesos_heartbeat_failure_threshold: 5,
      mesos_heartbeat_interval: 15000,
      mesos_leader_ui_url: 'http://localhost:5050/',
      mesos_role: '*',
      mesos_user: 'root',
      min_revive_offers_interval: 5000,
      new_group_enforce_role: 'off',
      offer_matching_timeout: 3000,
      on_elected_prepare_timeout: 180000,
      reconciliation_initial_delay: 15000,
      reconciliation_interval: 600000,
      scale_apps_initial_delay: 15000,
      scale_apps_interval: 300000,
      store_cache: true,
      task_launch_confirm_timeout: 1800000,
      task_launch_timeout: 1800000,
      task_lost_expunge_initial_delay: 300000,
      task_lost_expunge_interval: 30000,
      task_reservation_timeout: 900000,
      webui_url: null,
    },
    zookeeper_config: {
      zk: 'zk://localhost:2181/marathon',
      zk_compression: true,
      zk_compression_threshold: 65536,
      zk_connection_timeout: 10000,
      zk_max_node_size: 1024000,
      zk_max_versions: 50,
      zk_session_timeout: 10000,
      zk_timeout: 10000,
    },
    http_config: { http_port: Number(port ?? 8080), https_port: 8443 },
  };
}
