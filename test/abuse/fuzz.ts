// Shared pieces of the fuzz tests: a watch on process-level failures, and what must
// never show in a reply.

/** Counts uncaught exceptions and unhandled rejections while installed. */
export class ProcessWatch {
  readonly errors: unknown[] = [];
  private readonly onError = (err: unknown) => {
    this.errors.push(err);
  };
  install(): this {
    process.on('uncaughtException', this.onError);
    process.on('unhandledRejection', this.onError);
    return this;
  }
  uninstall(): void {
    process.off('uncaughtException', this.onError);
    process.off('unhandledRejection', this.onError);
  }
}

/** Anything that looks like a stack trace or an internal path in a reply body. */
export const LEAK = /\bat [\w.<>]+ \(|node_modules|\/app\/|\.ts:\d|\.js:\d|Error:|errno|EADDR|ECONN/;
