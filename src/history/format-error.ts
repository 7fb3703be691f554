// The one error a `.kvz` reader throws: the input is not a history file this version can read
// (truncated, corrupt, or a newer major version). Deliberately a plain Error subclass, not a
// KeyvizError: it carries no HTTP status, since it comes from reading a file.

export class HistoryFormatError extends Error {
  /** Byte offset in the input where the problem was found. */
  readonly offset: number;
  /** The problem alone, without the offset (for a caller that words its own message). */
  readonly what: string;

  constructor(offset: number, what: string) {
    super(`invalid .kvz history at byte ${offset}: ${what}`);
    this.name = "HistoryFormatError";
    this.offset = offset;
    this.what = what;
  }
}
