import type { NotifiedAlert, OutboxMessage } from './types.js';

/** An Alertmanager webhook v4 alert. */
export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** The Alertmanager webhook payload, version 4. */
export interface WebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
}

/** Alertmanager's `endsAt` for an alert that has not ended. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * Builds the Alertmanager webhook v4 payload of a message; `maxAlerts` > 0 truncates the list and
 * counts the rest in `truncatedAlerts`.
 */
export function webhookPayload(msg: OutboxMessage, maxAlerts = 0): WebhookPayload {
  const all = msg.alerts;
  const kept = maxAlerts > 0 ? all.slice(0, maxAlerts) : all;
  return {
    version: '4',
    groupKey: msg.groupKey,
    truncatedAlerts: all.length - kept.length,
    status: msg.groupStatus,
    receiver: msg.channel,
    groupLabels: { ...msg.groupLabels },
    commonLabels: common(all.map((a) => a.labels)),
    commonAnnotations: common(all.map((a) => a.annotations)),
    externalURL: msg.externalURL,
    alerts: kept.map((a) => ({
      status: a.status,
      labels: { ...a.labels },
      annotations: { ...a.annotations },
      startsAt: rfc3339(a.startsAtMs),
      endsAt: a.status === 'firing' || a.endsAtMs === null ? ZERO_TIME : rfc3339(a.endsAtMs),
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    })),
  };
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function common(sets: Array<Record<string, string>>): Record<string, string> {
  const [first, ...rest] = sets;
  if (!first) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(first)) if (rest.every((s) => s[k] === v)) out[k] = v;
  return out;
}

/** A short title: `[FIRING:2] HighCPU` / `[RESOLVED] HighCPU`. */
export function title(msg: OutboxMessage): string {
  const firing = msg.alerts.filter((a) => a.status === 'firing').length;
  const names = [...new Set(msg.alerts.map((a) => a.alarm))];
  const state = msg.groupStatus === 'firing' ? `FIRING:${firing}` : 'RESOLVED';
  return `[${state}] ${names.join(', ') || msg.groupKey}`;
}

/** Formats an alert value for humans; 'n/a' when there is none. */
export function formatValue(v: number | null): string {
  if (v === null || Number.isNaN(v)) return 'n/a';
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

/** Escapes text for Slack mrkdwn (`&`, `<`, `>`). */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes text for HTML element content and attribute values. */
export function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Slack message body: Block Kit blocks plus the `text` fallback. */
export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

const MAX_SLACK_ALERTS = 10;

/** Renders a message as Slack Block Kit (≤ 50 blocks) with a plain `text` fallback. */
export function slackMessage(msg: OutboxMessage): SlackMessage {
  const t = title(msg);
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: `${msg.groupStatus === 'firing' ? '🔥' : '✅'} ${t}`.slice(0, 150) } },
  ];
  for (const a of msg.alerts.slice(0, MAX_SLACK_ALERTS)) blocks.push(...slackAlertBlocks(a));
  if (msg.alerts.length > MAX_SLACK_ALERTS) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${msg.alerts.length - MAX_SLACK_ALERTS} more alerts` }] });
  }
  const first = msg.alerts[0];
  const text = `${slackEscape(t)}${first ? ` value=${formatValue(first.value)}` : ''}${first?.generatorURL ? ` ${linkOrText(first.generatorURL, 'open')}` : ''}`;
  return { text, blocks };
}

function slackAlertBlocks(a: NotifiedAlert): Array<Record<string, unknown>> {
  const fields = [
    { type: 'mrkdwn', text: `*state*\n${a.status.toUpperCase()}` },
    { type: 'mrkdwn', text: `*value*\n${formatValue(a.value)}` },
    ...Object.entries(a.labels)
      .slice(0, 8)
      .map(([k, v]) => ({ type: 'mrkdwn', text: `*${slackEscape(k)}*\n${slackEscape(v).slice(0, 500)}` })),
  ];
  const out: Array<Record<string, unknown>> = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${slackEscape(a.alarm)}* is ${a.status === 'firing' ? '*FIRING*' : '*RESOLVED*'}` }, fields },
  ];
  const summary = a.annotations.summary ?? a.annotations.description;
  if (summary) out.push({ type: 'section', text: { type: 'mrkdwn', text: slackEscape(summary).slice(0, 2900) } });
  if (a.generatorURL) out.push({ type: 'context', elements: [{ type: 'mrkdwn', text: linkOrText(a.generatorURL, 'Open in Vigil') }] });
  return out;
}

function linkOrText(url: string, label: string): string {
  return /^https?:\/\//.test(url) ? `<${url.replace(/[<>|]/g, encodeURIComponent)}|${label}>` : slackEscape(url);
}

/** The subject of an email: alarm names and state, with control characters removed. */
export function emailSubject(msg: OutboxMessage, prefix?: string): string {
  const s = `${prefix ? `${prefix} ` : ''}${title(msg)}`;
  return stripControl(s).slice(0, 200);
}

/** Removes control characters (CR, LF, NUL, …) and Unicode line separators. */
export function stripControl(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}

/** Plain-text and HTML bodies of an email; every label and annotation value is escaped in HTML. */
export function emailBodies(msg: OutboxMessage): { text: string; html: string } {
  const lines: string[] = [title(msg), ''];
  const html: string[] = [`<h2>${htmlEscape(title(msg))}</h2>`];
  for (const a of msg.alerts) {
    lines.push(`${a.alarm} is ${a.status.toUpperCase()} (value ${formatValue(a.value)})`);
    lines.push(`  started ${new Date(a.startsAtMs).toISOString()}${a.endsAtMs !== null ? `, ended ${new Date(a.endsAtMs).toISOString()}` : ''}`);
    for (const [k, v] of Object.entries(a.labels)) lines.push(`  ${k} = ${v}`);
    for (const [k, v] of Object.entries(a.annotations)) lines.push(`  ${k}: ${v}`);
    if (a.generatorURL) lines.push(`  ${a.generatorURL}`);
    lines.push('');
    html.push(`<h3>${htmlEscape(a.alarm)} is ${a.status === 'firing' ? 'FIRING' : 'RESOLVED'} (value ${htmlEscape(formatValue(a.value))})</h3>`);
    html.push('<table>');
    for (const [k, v] of Object.entries(a.labels)) html.push(`<tr><th>${htmlEscape(k)}</th><td>${htmlEscape(v)}</td></tr>`);
    for (const [k, v] of Object.entries(a.annotations)) html.push(`<tr><th>${htmlEscape(k)}</th><td>${htmlEscape(v)}</td></tr>`);
    html.push('</table>');
    if (/^https?:\/\//.test(a.generatorURL)) html.push(`<p><a href="${htmlEscape(a.generatorURL)}">Open in Vigil</a></p>`);
  }
  return { text: lines.join('\n'), html: `<!doctype html><html><body>${html.join('\n')}</body></html>` };
}
