/** The new-channel form's fields, as typed. */
export interface ChannelForm {
  type: 'webhook' | 'slack' | 'email';
  name: string;
  description: string;
  /** Webhook or Slack incoming-webhook URL (a secret: the API never shows it again). */
  url: string;
  /** Email recipients, separated by commas, spaces or new lines. */
  to: string;
  /** Slack channel override (optional). */
  slackChannel: string;
}

export function emptyChannelForm(): ChannelForm {
  return { type: 'webhook', name: '', description: '', url: '', to: '', slackChannel: '' };
}

/** The body `POST /api/v1/channels` takes: only the fields the API defines for the type. */
export type ChannelBody =
  | { type: 'webhook'; name: string; description?: string; url: string }
  | { type: 'slack'; name: string; description?: string; url: string; channel?: string }
  | { type: 'email'; name: string; description?: string; to: string[] };

/**
 * Checks the form the way a user fixes it (every problem named) and builds the API body. The
 * server validates again and has the last word (addresses, URLs, names in use).
 */
export function channelBody(form: ChannelForm): { body: ChannelBody; problems: string[] } {
  const problems: string[] = [];
  const name = form.name.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(name)) problems.push('Name: 1 to 128 letters, digits, _ . or -, starting with a letter or digit');
  const description = form.description.trim();
  const common = { name, ...(description ? { description } : {}) };
  if (form.type === 'email') {
    const to = form.to
      .split(/[\s,;]+/)
      .map((a) => a.trim())
      .filter(Boolean);
    if (to.length === 0) problems.push('Recipients: at least one address');
    for (const a of to) if (!/^[^@\s]+@[^@\s]+$/.test(a)) problems.push(`Recipients: ${JSON.stringify(a)} is not an email address`);
    return { body: { type: 'email', ...common, to }, problems };
  }
  const url = form.url.trim();
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) problems.push('URL: an http:// or https:// address');
  if (form.type === 'slack') {
    const channel = form.slackChannel.trim();
    return { body: { type: 'slack', ...common, url, ...(channel ? { channel } : {}) }, problems };
  }
  return { body: { type: 'webhook', ...common, url }, problems };
}
