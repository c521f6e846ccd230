// A schema type as JSON spells it: an enum member is written as its value, so each enum
// becomes the union of its values (compiled beside the dashboards by schema.test.ts).
export type Wire<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends Array<infer U>
      ? Array<Wire<U>>
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;
