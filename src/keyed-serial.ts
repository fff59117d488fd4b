/**
 * Runs tasks with the same key one after another, in this process (per-pipeline refreshes,
 * per-status writes). Bounded: a key's entries leave when its last task ends.
 */
export class KeyedSerial {
  readonly #tails = new Map<string, Promise<void>>();
  /** A joinable task queued behind a running one and not started yet, per key (removed when it starts). */
  readonly #waiting = new Map<string, Promise<void>>();

  /**
   * Runs `task` once the key's earlier tasks have ended (whether they failed or not).
   * `join`: a caller whose task would only repeat a joinable task still waiting to start (it will
   * read the world after this call anyway) shares that one instead of queueing another.
   */
  run(key: string, task: () => Promise<void>, { join = false }: { join?: boolean } = {}): Promise<void> {
    const waiting = join ? this.#waiting.get(key) : undefined;
    if (waiting) return waiting;
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const current: Promise<void> = previous.then(() => {
      if (this.#waiting.get(key) === current) this.#waiting.delete(key);
      return task();
    });
    const tail = current.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    if (join) this.#waiting.set(key, current);
    return current.finally(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
  }
}
