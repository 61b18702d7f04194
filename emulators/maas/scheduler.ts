/**
 * Runs delayed state transitions, one pending transition per machine. With `manual` time nothing fires
 * until `advance(ms)`, so tests (and Temporal time-skipping tests) control the emulator's clock.
 */
export class Scheduler {
  private now = 0;
  private readonly pending = new Map<string, { due: number; fn: () => void; timer?: NodeJS.Timeout }>();

  constructor(private readonly mode: 'real' | 'manual') {}

  schedule(key: string, ms: number, fn: () => void): void {
    this.cancel(key);
    const entry: { due: number; fn: () => void; timer?: NodeJS.Timeout } = { due: this.now + ms, fn };
    if (this.mode === 'real') {
      entry.timer = setTimeout(() => {
        this.pending.delete(key);
        fn();
      }, ms);
      entry.timer.unref();
    }
    this.pending.set(key, entry);
  }

  cancel(key: string): void {
    const e = this.pending.get(key);
    if (e?.timer) clearTimeout(e.timer);
    this.pending.delete(key);
  }

  /** Manual clock: move time on and run what fell due, including transitions those schedule. */
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, e]) => e.due <= target).sort((a, b) => a[1].due - b[1].due)[0];
      if (!due) break;
      this.now = Math.max(this.now, due[1].due);
      this.pending.delete(due[0]);
      due[1].fn();
    }
    this.now = target;
  }

  stop(): void {
    for (const key of [...this.pending.keys()]) this.cancel(key);
  }
}
