// What a service has started, as stop functions in start order: a failed start or a
// close stops them in reverse, each once.

/** Stop functions in start order; stopAll() runs them in reverse, once. */
export class Running {
  private readonly stops: (() => unknown)[] = [];

  add(stop: () => unknown): void {
    this.stops.push(stop);
  }

  async stopAll(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) await stop();
  }
}
