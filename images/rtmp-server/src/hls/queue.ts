/**
 * An ordered queue of async file operations for one stream: each job starts when the previous one settled, so
 * a segment is on disk before the playlist naming it, and deletions come after. Errors are reported, never thrown.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  /** Jobs queued and not finished. */
  pending = 0;

  constructor(private readonly onError: (e: unknown) => void) {}

  push(job: () => Promise<void>): void {
    this.pending++;
    this.tail = this.tail
      .then(job)
      .catch(this.onError)
      .finally(() => { this.pending--; });
  }

  /** Resolves when everything queued so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }
}
