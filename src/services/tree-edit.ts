/**
 * An editable copy of a commit's tree: directories are loaded from the store only when a path
 * goes through them, and only the directories on a changed path are written back. Names are
 * kept as latin1 strings (one char per byte), so entries the edit does not touch are
 * re-serialised byte for byte, whatever their encoding.
 */
import { GitwellError, unprocessable } from '../core/errors.js';
import { isTreeMode, MODE_TREE, parseTree, serializeTree } from '../core/object/tree.js';
import { hashObject, TYPE_CODE } from '../core/oid.js';
import type { Store } from '../../storage/index.js';

interface FileNode {
  dir: false;
  mode: number;
  oid: Buffer;
}

interface DirNode {
  dir: true;
  /** the stored tree, null for a new directory */
  oid: Buffer | null;
  children: Map<string, Node> | null;
  dirty: boolean;
}

type Node = FileNode | DirNode;

export interface NewObject {
  oid: Buffer;
  type: number;
  data: Buffer;
}

const bytesKey = (segment: string) => Buffer.from(segment, 'utf8').toString('latin1');

export class TreeEditor {
  private readonly root: DirNode;

  constructor(private readonly store: Store, rootTree: Buffer | null) {
    this.root = { dir: true, oid: rootTree, children: null, dirty: false };
  }

  private load(d: DirNode): Map<string, Node> {
    if (d.children) return d.children;
    const children = new Map<string, Node>();
    if (d.oid) {
      const o = this.store.viewObject(d.oid);
      if (!o || o.type !== 2) throw new GitwellError('INTERNAL_ERROR', 'tree object missing from the store');
      for (const e of parseTree(o.data)) {
        const oid = Buffer.from(e.oid);
        children.set(e.name.toString('latin1'), isTreeMode(e.mode) ? { dir: true, oid, children: null, dirty: false } : { dir: false, mode: e.mode, oid });
      }
    }
    d.children = children;
    return children;
  }

  /** The directories from the root down to the parent of `path`, created when `create`. */
  private parents(path: string[], create: boolean): DirNode[] | null {
    const chain: DirNode[] = [this.root];
    for (let i = 0; i < path.length - 1; i++) {
      const children = this.load(chain[chain.length - 1]);
      const key = bytesKey(path[i]);
      let next = children.get(key);
      if (!next) {
        if (!create) return null;
        next = { dir: true, oid: null, children: new Map(), dirty: true };
        children.set(key, next);
      } else if (!next.dir) {
        if (!create) return null;
        throw unprocessable(`${path.slice(0, i + 1).join('/')} is a file, not a directory`, { path: path.join('/') });
      }
      chain.push(next);
    }
    return chain;
  }

  private touch(chain: DirNode[]): void {
    for (const d of chain) d.dirty = true;
  }

  get(path: string[]): Node | null {
    const chain = this.parents(path, false);
    if (!chain) return null;
    return this.load(chain[chain.length - 1]).get(bytesKey(path[path.length - 1])) ?? null;
  }

  /** Puts a node at `path`; refuses to replace a directory with a file. */
  put(path: string[], node: Node): void {
    const chain = this.parents(path, true)!;
    const children = this.load(chain[chain.length - 1]);
    const key = bytesKey(path[path.length - 1]);
    const existing = children.get(key);
    if (existing?.dir && !node.dir) throw unprocessable(`${path.join('/')} is a directory`, { path: path.join('/') });
    children.set(key, node);
    this.touch(chain);
  }

  /** Removes the node at `path`; returns it, or null when there was none. */
  remove(path: string[]): Node | null {
    const chain = this.parents(path, false);
    if (!chain) return null;
    const children = this.load(chain[chain.length - 1]);
    const key = bytesKey(path[path.length - 1]);
    const node = children.get(key) ?? null;
    if (node) {
      children.delete(key);
      this.touch(chain);
    }
    return node;
  }

  /** Serialises every changed directory (empty ones vanish); returns the root tree's oid. */
  write(out: NewObject[]): Buffer {
    return this.writeDir(this.root, out, true)!;
  }

  private writeDir(d: DirNode, out: NewObject[], isRoot: boolean): Buffer | null {
    if (!d.dirty) return d.oid;
    const entries: Array<{ mode: number; name: Buffer; oid: Buffer }> = [];
    for (const [key, node] of this.load(d)) {
      const oid = node.dir ? this.writeDir(node, out, false) : node.oid;
      if (oid) entries.push({ mode: node.dir ? MODE_TREE : node.mode, name: Buffer.from(key, 'latin1'), oid });
    }
    if (entries.length === 0 && !isRoot) return null;
    const data = serializeTree(entries);
    const oid = hashObject('tree', data);
    out.push({ oid, type: TYPE_CODE.tree, data });
    return oid;
  }
}

export function blobObject(data: Buffer): NewObject {
  return { oid: hashObject('blob', data), type: TYPE_CODE.blob, data };
}

export type { Node as TreeNode };
