/** How algorithms in core/ read objects without knowing where they live. */
export interface ObjectFinder {
  /** The object, or undefined. The returned data may be a view valid only until the next call. */
  get(oid: Uint8Array): { type: number; data: Uint8Array } | undefined;
}
