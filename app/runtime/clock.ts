// Unix time in whole seconds, read on every announce (last-seen stamps). Reading
// Date.now() per request costs a call and a fresh heap number; peer ages are only ever
// compared in seconds, so a value refreshed by a timer is as good and costs a field load.

export class CoarseClock {
  seconds = Math.floor(Date.now() / 1000);
  private readonly timer: NodeJS.Timeout;
  /** Bound once, so callers can take `clock.now` as a plain function. */
  readonly now = (): number => this.seconds;

  constructor(tickMs = 250) {
    this.timer = setInterval(() => {
      this.seconds = Math.floor(Date.now() / 1000);
    }, tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
