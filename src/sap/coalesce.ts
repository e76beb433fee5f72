/**
 * Request coalescing: callers asking for the same key while a call for it is in flight share
 * that call's promise (and its outcome, success or error). Nothing is kept once it settles.
 */
export class Coalescer {
  readonly #inFlight = new Map<string, Promise<unknown>>()

  run<T> (key: string, fn: () => Promise<T>): Promise<T> {
    const pending = this.#inFlight.get(key)
    if (pending) return pending as Promise<T>
    const started = (async () => fn())().finally(() => { this.#inFlight.delete(key) })
    this.#inFlight.set(key, started)
    return started
  }

  get size (): number {
    return this.#inFlight.size
  }
}
