/**
 * Object ids. The hash kind travels with the value so that sha256 repositories can be added
 * without touching every call site; today every repository is sha1 (20 bytes, 40 hex digits).
 */
import { createHash, hash } from 'node:crypto';

export type HashKind = 'sha1';
export const OID_BYTES = 20;
export const OID_HEX = 40;
export const ZERO_OID = '0'.repeat(OID_HEX);

const HEX_RE = /^[0-9a-f]{40}$/;

export function isOidHex(s: string): boolean {
  return HEX_RE.test(s);
}

export function oidToHex(oid: Uint8Array): string {
  return Buffer.from(oid.buffer, oid.byteOffset, OID_BYTES).toString('hex');
}

export function oidFromHex(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';
/** Pack type numbers double as the type byte of stored objects. */
export const TYPE_CODE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };
export const TYPE_NAME: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };

/** sha1("<type> <size>\0" + content): the id git gives an object. */
export function hashObject(type: ObjectType | number, content: Uint8Array): Buffer {
  const name = typeof type === 'number' ? TYPE_NAME[type] : type;
  const h = createHash('sha1');
  h.update(`${name} ${content.length}\0`);
  h.update(content);
  return h.digest();
}

/** The loose-object header "<type> <size>\0" that git hashes before the content. */
export function looseHeader(type: number, size: number): Buffer {
  return Buffer.from(`${TYPE_NAME[type]} ${size}\0`, 'latin1');
}

/** sha1 of a whole loose object (header and content in one buffer): one call, no copies. */
export function hashLoose(loose: Uint8Array): Buffer {
  return hash('sha1', loose, 'buffer') as unknown as Buffer;
}
