/**
 * Runs a store's `prune()` periodically: one run at a time (a slow prune is
 * never stacked), on an unref'd interval so that an idle process can exit.
 */
export class PruneTimer {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running = false;

  /**
   * @param intervalMs - period in ms
   * @param prune - the work; its errors go to `onError`
   * @param onError - error sink (default: ignore; expired rows are invisible anyway)
   */
  constructor(
    private readonly intervalMs: number,
    private readonly prune: () => Promise<unknown>,
    private readonly onError: ((error: unknown) => void) | undefined,
  ) {}

  /** Starts the interval (idempotent). */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the interval (idempotent). A run in progress finishes on its own. */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (this.running) return;
    this.running = true;
    this.prune()
      .catch((error: unknown) => {
        try {
          this.onError?.(error);
        } catch {
          // An error handler that throws must not crash the process from a timer.
        }
      })
      .finally(() => {
        this.running = false;
      });
  }
}
