/**
 * Annotated tags:
 *   "object" SP hex LF "type" SP type LF "tag" SP name LF ["tagger" SP ident LF] LF message
 */
import { parseHeaders } from './commit.js';
import type { ObjectType } from '../oid.js';

export interface Tag {
  object: string;
  type: ObjectType;
  tag: string;
  tagger: string | null;
  message: string;
}

export function parseTag(data: Uint8Array): Tag {
  const { headers, message } = parseHeaders(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  const get = (k: string) => headers.find((h) => h[0] === k)?.[1];
  return {
    object: get('object') ?? '',
    type: (get('type') ?? 'commit') as ObjectType,
    tag: get('tag') ?? '',
    tagger: get('tagger') ?? null,
    message,
  };
}
