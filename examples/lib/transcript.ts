// Prints checked steps as ✓/✗ lines and remembers whether every one behaved as expected.

/** A transcript of checked steps; `exitCode` is 0 only if none failed. */
export class Transcript {
  #checks = 0;
  #failures = 0;
  readonly #write: (line: string) => void;

  constructor(write: (line: string) => void = (line) => console.log(line)) {
    this.#write = write;
  }

  /** A heading for the next group of steps. */
  section(title: string): void {
    this.#write(`\n${title}`);
  }

  /** An unchecked line of context, indented under the last step. */
  note(text: string): void {
    this.#write(`      ${text}`);
  }

  /** One step: ✓ when `ok`, else ✗ with what was expected instead. */
  check(ok: boolean, label: string, expected?: string): boolean {
    this.#checks += 1;
    if (!ok) this.#failures += 1;
    this.#write(`  ${ok ? '✓' : '✗'} ${label}${ok || expected === undefined ? '' : `   (expected ${expected})`}`);
    return ok;
  }

  /** Prints the tally and returns the process exit code. */
  finish(): number {
    this.#write(
      this.#failures === 0 ? `\nall ${this.#checks} checks passed` : `\n${this.#failures} of ${this.#checks} checks did not behave as expected`,
    );
    return this.exitCode;
  }

  get exitCode(): number {
    return this.#failures === 0 && this.#checks > 0 ? 0 : 1;
  }
}
