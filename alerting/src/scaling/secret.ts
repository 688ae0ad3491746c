import { SECRET_PLACEHOLDER } from '../notify/channels.js';

/**
 * A webhook signing secret that prints as `<secret>` in logs, JSON and error messages. Read it with
 * {@link WebhookSecret.reveal} only where a request is signed or the group is stored.
 *
 * @example
 * const s = new WebhookSecret('abc');
 * `${s}`;               // '<secret>'
 * JSON.stringify({ s }); // '{"s":"<secret>"}'
 * s.reveal();           // 'abc'
 */
export class WebhookSecret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return SECRET_PLACEHOLDER;
  }

  toJSON(): string {
    return SECRET_PLACEHOLDER;
  }
}
