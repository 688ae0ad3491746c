import type { DashboardBody, Panel } from './dashboard-model.js';

/** Id of the built-in host dashboard; the agents page links to it with `?var-host=<host>`. */
export const HOST_OVERVIEW_ID = 'host-overview';

const H = 'host=~"$host"';

function panel(id: string, title: string, x: number, y: number, w: number, h: number, query: string, extra: Partial<Panel> = {}): Panel {
  return { id, title, type: 'timeseries', language: 'promql', query, unit: '', grid: { x, y, w, h }, ...extra };
}

/**
 * The built-in "Host overview" dashboard over the metrics `vigil-agent` ships (node_exporter
 * names, every series labelled `host`). Listed for every tenant, read-only, and duplicable into
 * an editable copy. Its queries pass the same validation as stored dashboards (a unit test
 * proves it), so a renamed metric or a typo fails the build rather than the page.
 */
export const HOST_OVERVIEW: DashboardBody = {
  title: 'Host overview',
  description: 'CPU, load, memory, filesystems, network and disks of the hosts running vigil-agent (node_exporter metric names).',
  tags: ['built-in', 'agent'],
  time: { from: 'now-1h', to: 'now' },
  refresh: '30s',
  variables: [{ name: 'host', label: 'host', source: 'metrics', match: 'node_uname_info', multi: true, includeAll: true }],
  panels: [
    panel('cpu-busy', 'CPU busy', 0, 0, 4, 6, `1 - avg by (host) (rate(node_cpu_seconds_total{${H},mode="idle"}[$__rate_interval]))`, {
      type: 'stat',
      unit: 'percentunit',
    }),
    panel('mem-used', 'Memory used', 4, 0, 4, 6, `1 - node_memory_MemAvailable_bytes{${H}} / node_memory_MemTotal_bytes{${H}}`, {
      type: 'stat',
      unit: 'percentunit',
    }),
    panel('load1', 'Load (1m)', 8, 0, 4, 6, `node_load1{${H}}`, { type: 'stat', unit: 'short' }),
    panel('uptime', 'Uptime', 12, 0, 4, 6, `time() - node_boot_time_seconds{${H}}`, { type: 'stat', unit: 'seconds' }),
    panel('procs', 'Processes running / blocked', 16, 0, 8, 6, `node_procs_running{${H}} or node_procs_blocked{${H}}`, { type: 'stat', unit: 'short' }),
    panel(
      'cpu-mode',
      'CPU by mode',
      0,
      6,
      12,
      9,
      `sum by (host, mode) (rate(node_cpu_seconds_total{${H},mode!="idle"}[$__rate_interval])) / on (host) group_left () count by (host) (node_cpu_seconds_total{${H},mode="idle"})`,
      { unit: 'percentunit' },
    ),
    panel('load', 'Load average', 12, 6, 12, 9, `{__name__=~"node_load1|node_load5|node_load15",${H}}`, { unit: 'short' }),
    panel(
      'memory',
      'Memory',
      0,
      15,
      12,
      9,
      `node_memory_MemTotal_bytes{${H}} - node_memory_MemAvailable_bytes{${H}}`,
      { unit: 'bytes' },
    ),
    panel(
      'filesystem',
      'Filesystem used',
      12,
      15,
      12,
      9,
      `1 - node_filesystem_avail_bytes{${H},fstype!~"tmpfs|ramfs|overlay"} / node_filesystem_size_bytes{${H},fstype!~"tmpfs|ramfs|overlay"}`,
      { unit: 'percentunit' },
    ),
    panel('net-rx', 'Network received', 0, 24, 12, 9, `rate(node_network_receive_bytes_total{${H},device!="lo"}[$__rate_interval])`, {
      unit: 'bytes/s',
    }),
    panel('net-tx', 'Network sent', 12, 24, 12, 9, `rate(node_network_transmit_bytes_total{${H},device!="lo"}[$__rate_interval])`, {
      unit: 'bytes/s',
    }),
    panel('disk-read', 'Disk read', 0, 33, 12, 9, `rate(node_disk_read_bytes_total{${H}}[$__rate_interval])`, { unit: 'bytes/s' }),
    panel('disk-write', 'Disk written', 12, 33, 12, 9, `rate(node_disk_written_bytes_total{${H}}[$__rate_interval])`, { unit: 'bytes/s' }),
    panel('disk-io', 'Disk busy', 0, 42, 12, 9, `rate(node_disk_io_time_seconds_total{${H}}[$__rate_interval])`, { unit: 'percentunit' }),
    panel('logs', 'Logs', 12, 42, 12, 9, '{host=~"$host"}', { type: 'logs', language: 'logql' }),
  ],
};
