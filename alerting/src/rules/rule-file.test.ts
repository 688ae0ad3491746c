import { describe, expect, it } from 'vitest';
import { parseRuleFile } from './rule-file.js';

const FILE = `
groups:
  - name: node
    interval: 30s
    labels:
      team: infra
    rules:
      - record: instance:node_cpu:rate5m
        expr: sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))
      - alert: HostDown
        expr: up{job="node"} == 0
        for: 2m
        keep_firing_for: 1m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.instance }} is down"
      - alert: HostDown
        expr: up{job="node"} == 0
        for: 10m
        labels:
          severity: ticket
  - name: other
    rules:
      - alert: Always
        expr: vector(1)
`;

describe('parseRuleFile', () => {
  it('turns alerting rules into alarms and recording rules into recording rules', () => {
    const groups = parseRuleFile(FILE, { file: 'node.yml', defaultIntervalSeconds: 60 });
    expect(groups.map((g) => [g.name, g.intervalSeconds, g.alarms.length, g.recording.length])).toEqual([
      ['node', 30, 2, 1],
      ['other', 60, 1, 0],
    ]);
    expect(groups[0]!.recording[0]).toMatchObject({ record: 'instance:node_cpu:rate5m', labels: { team: 'infra' }, intervalSeconds: 30 });
    const [down, down2] = groups[0]!.alarms;
    expect(down).toMatchObject({
      name: 'HostDown',
      periodSeconds: 30,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: 'notBreaching',
      keepFiringForSeconds: 60,
      labels: { team: 'infra', severity: 'page' },
      annotations: { summary: '{{ $labels.instance }} is down' },
      levels: [],
      source: { kind: 'file', file: 'node.yml', group: 'node' },
    });
    expect(down2).toMatchObject({ name: 'node:HostDown', labels: { alertname: 'HostDown', severity: 'ticket' } });
    expect(groups[1]!.alarms[0]).toMatchObject({ name: 'Always', evaluationPeriods: 1, datapointsToAlarm: 1 });
  });

  it('avoids names already taken', () => {
    const groups = parseRuleFile(FILE, { file: 'x.yml', taken: new Set(['Always']) });
    expect(groups[1]!.alarms[0]!.name).toBe('other:Always');
  });

  it('names every problem with its place and loads nothing', () => {
    const bad = `
groups:
  - name: g
    interval: soon
    rules:
      - alert: A
      - record: "not a name"
        expr: up
      - alert: B
        record: b
        expr: up
      - expr: up
      - alert: C
        expr: up
        for: forever
        colour: red
`;
    expect(() => parseRuleFile(bad, { file: 'bad.yml' })).toThrow(
      /bad\.yml: groups\[0\]\.interval: .*groups\[0\]\.rules\[0\]\.expr: must be a non-empty string.*rules\[1\]\.record: must be a valid metric name.*rules\[2\]: only one of.*rules\[3\]: one of "record" or "alert" must be set.*rules\[4\]\.colour: unknown field/,
    );
  });

  it('rejects non-YAML and wrong shapes', () => {
    expect(() => parseRuleFile('groups: [', { file: 'a.yml' })).toThrow(/a\.yml: YAML/);
    expect(() => parseRuleFile('rules: []', { file: 'a.yml' })).toThrow(/"groups" list/);
    expect(parseRuleFile('', { file: 'empty.yml' })).toEqual([]);
  });
});
