/**
 * A secret value (the API key) that prints as `<secret>` in logs, JSON and error messages; read it
 * with {@link Secret.reveal} only where it is sent.
 *
 * @example
 * const key = new Secret('abc');
 * `${key}`;      // '<secret>'
 * key.reveal();  // 'abc'
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '<secret>';
  }

  toJSON(): string {
    return '<secret>';
  }
}
