/** How algorithms in core/ read objects without knowing where they live. */
export interface ObjectFinder {
  /** The object, or undefined. The returned data may be a view valid only until the next call. */
  get(oid: Uint8Array): { type: number; data: Uint8Array } | undefined;
  /**
   * Type and size without the content, for callers that need no more (a walk over blobs, a
   * size filter): cheaper where content must be resolved. Must agree with `get`.
   */
  info?(oid: Uint8Array): { type: number; size: number } | undefined;
}
