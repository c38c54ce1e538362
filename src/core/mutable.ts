/** `kubernetes-types` marks every field readonly; code that builds or edits objects uses these. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export type DeepMutable<T> = T extends (infer U)[]
  ? DeepMutable<U>[]
  : T extends readonly (infer U)[]
    ? DeepMutable<U>[]
    : T extends object
      ? { -readonly [K in keyof T]: DeepMutable<T[K]> }
      : T;
