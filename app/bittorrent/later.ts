// A value now or later: the in-memory store answers at once (no promise, nothing
// allocated), a networked one with a promise. Callers test with isLater().

export type Later<T> = T | Promise<T>;

export function isLater<T>(x: Later<T>): x is Promise<T> {
  return x instanceof Promise;
}
