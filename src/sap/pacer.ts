export interface PacerOptions {
  /** Starts per second; starts are spaced evenly, so no 1 s window sees more than this. */
  ratePerSecond: number
  /** Calls in flight at once. */
  maxInFlight: number
  /** A monotonic clock in ms (sub-ms precision keeps timer rounding from starting a call early). */
  now?: () => number
}

interface Waiter {
  resolve: () => void
  reject: (err: Error) => void
}

export class PacerClosedError extends Error {
  override name = 'PacerClosedError'
}

/**
 * Paces the proxy's own calls to SAP: evenly spaced starts at `ratePerSecond`, at most
 * `maxInFlight` at once, first come first served. `holdFor` pauses every start, which is how
 * an SAP 429 (with or without `Retry-After`) slows the whole fan-out, not only the refused call.
 */
export class Pacer {
  readonly intervalMs: number
  readonly maxInFlight: number
  readonly #now: () => number
  readonly #queue: Waiter[] = []
  #inFlight = 0
  #nextStartAt = 0
  #holdUntil = 0
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor ({ ratePerSecond, maxInFlight, now = () => performance.now() }: PacerOptions) {
    if (!(ratePerSecond > 0)) throw new RangeError('ratePerSecond must be above 0')
    if (!(maxInFlight >= 1)) throw new RangeError('maxInFlight must be at least 1')
    this.intervalMs = 1000 / ratePerSecond
    this.maxInFlight = Math.floor(maxInFlight)
    this.#now = now
  }

  /** Runs `fn` when its turn comes. */
  async run<T> (fn: () => Promise<T>): Promise<T> {
    await this.#acquire()
    try {
      return await fn()
    } finally {
      this.#inFlight--
      this.#pump()
    }
  }

  /** No call starts for `ms` from now (a longer hold already set is kept). */
  holdFor (ms: number): void {
    const at = this.#now() + ms
    if (at <= this.#holdUntil) return
    this.#holdUntil = at
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    this.#pump()
  }

  get queued (): number {
    return this.#queue.length
  }

  get inFlight (): number {
    return this.#inFlight
  }

  /** Refuses queued and future calls; calls in flight finish. */
  close (): void {
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    for (const waiter of this.#queue.splice(0)) waiter.reject(new PacerClosedError('the SAP client is closing'))
  }

  #acquire (): Promise<void> {
    if (this.#closed) return Promise.reject(new PacerClosedError('the SAP client is closing'))
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ resolve, reject })
      this.#pump()
    })
  }

  #pump (): void {
    if (this.#timer || this.#closed) return
    while (this.#queue.length > 0 && this.#inFlight < this.maxInFlight) {
      const now = this.#now()
      const wait = Math.max(this.#nextStartAt, this.#holdUntil) - now
      if (wait > 0) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined
          this.#pump()
        }, Math.ceil(wait))
        return
      }
      this.#nextStartAt = now + this.intervalMs
      this.#inFlight++
      this.#queue.shift()!.resolve()
    }
  }
}
