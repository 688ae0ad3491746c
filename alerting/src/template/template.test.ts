import { describe, expect, it } from 'vitest';
import { type AlertTemplateData, compileAlertTemplate, expandAlertTemplate, humanize, humanize1024, humanizeDuration } from './template.js';

const data = { labels: { instance: 'web-1.example.com:9100', job: 'node' }, value: 93.456, externalLabels: { cluster: 'eu' }, externalURL: 'http://vigil:9400' };
const x = (src: string, d: AlertTemplateData = data) => expandAlertTemplate(compileAlertTemplate(src), d);

describe('alert templates', () => {
  it.each([
    ['{{ $labels.instance }} is down', 'web-1.example.com:9100 is down'],
    ['{{ .Labels.job }} at {{ .Value }}', 'node at 93.456'],
    ['{{ $value }}', '93.456'],
    ['{{ $value | humanize }}', '93.46'],
    ['{{ humanizePercentage 0.1234 }}', '12.34%'],
    ['{{ $labels.instance | stripPort }}', 'web-1.example.com'],
    ['{{ $labels.instance | stripDomain }}', 'web-1:9100'],
    ['{{ $externalLabels.cluster }} {{ $externalURL }}', 'eu http://vigil:9400'],
    ['{{ if gt $value 90.0 }}critical{{ else }}warning{{ end }}', 'critical'],
    ['{{ printf "%.1f" $value }}', '93.5'],
    ['{{ $labels.job | toUpper }}', 'NODE'],
    ['{{ reReplaceAll "web-(\\\\d+).*" "host $1" $labels.instance }}', 'host 1'],
    ['{{ if match "^web" $labels.instance }}web{{ end }}', 'web'],
    ['{{ $labels.missing }}!', '!'],
    ['{{ humanizeDuration 3725 }}', '1h 2m 5s'],
    ['{{ humanizeTimestamp 1700000000 }}', '2023-11-14 22:13:20 +0000 UTC'],
    ['{{ title "hello world" }}', 'Hello World'],
    ['plain', 'plain'],
  ])('%s', (src, want) => {
    expect(x(src)).toBe(want);
  });

  it('rejects unknown functions and syntax errors at compile time', () => {
    expect(() => compileAlertTemplate('{{ humanise $value }}')).toThrow(/function "humanise" not defined/);
    expect(() => compileAlertTemplate('{{ $value ')).toThrow(/unclosed action/);
    expect(() => compileAlertTemplate('{{ if $value }}x')).toThrow(/unexpected EOF/);
  });

  it('never throws at expansion time', () => {
    expect(x('{{ humanize $labels.job }}')).toMatch(/^<error expanding template: .*invalid syntax/);
  });

  it('prints label values as text (no evaluation of their content)', () => {
    const evil = { ...data, labels: { instance: '{{ $value }}<img src=x onerror=alert(1)>' } };
    expect(x('{{ $labels.instance }}', evil)).toBe('{{ $value }}<img src=x onerror=alert(1)>');
  });
});

describe('humanize functions match Prometheus', () => {
  it.each([
    [0, '0'],
    [1, '1'],
    [1234, '1.234k'],
    [1234567, '1.235M'],
    [0.001234, '1.234m'],
    [-5e-7, '-500n'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '+Inf'],
  ])('humanize(%s) = %s', (v, want) => expect(humanize(v)).toBe(want));
  it.each([
    [512, '512'],
    [1024, '1ki'],
    [1536 * 1024 * 1024, '1.5Gi'],
  ])('humanize1024(%s) = %s', (v, want) => expect(humanize1024(v)).toBe(want));
  it.each([
    [0, '0s'],
    [1.5, '1.5s'],
    [59, '59s'],
    [61, '1m 1s'],
    [86400 + 3600 + 60 + 1, '1d 1h 1m 1s'],
    [0.25, '250ms'],
    [-90, '-1m 30s'],
  ])('humanizeDuration(%s) = %s', (v, want) => expect(humanizeDuration(v)).toBe(want));
});
