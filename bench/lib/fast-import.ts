// A typed writer for the `git fast-import` stream, with backpressure.
//
//   commit <ref> / mark :<n> / author|committer <name> <email> <ts> +0000 / data <len>\n<msg>
//   [from :<n>] [merge :<n>] (M <mode> inline <path> / data <len>\n<bytes> | R <old> <new>)*
//   tag <name> / from :<n> / tagger ... / data <len>\n<msg>
//   done
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';

export interface Person { name: string; email: string }
export type Change =
  | { kind: 'modify'; path: string; data: string | Buffer }
  | { kind: 'rename'; from: string; to: string };

export class FastImport {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<[number | null]>;
  private stderr = '';
  private nextMark = 1;
  private closed = false;

  constructor(gitDir: string, env: NodeJS.ProcessEnv) {
    this.child = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: gitDir, env });
    this.child.stderr.setEncoding('utf8').on('data', (s: string) => { this.stderr += s; });
    this.child.stdout.resume();
    this.child.stdin.on('error', () => { /* reported by done() through the exit code */ });
    this.exited = once(this.child, 'close') as Promise<[number | null]>;
    void this.exited.then(() => { this.closed = true; });
  }

  /** Writes a commit and returns its mark. */
  async commit(ref: string, who: Person, when: number, message: string,
    links: { from?: number; merge?: number }, changes: readonly Change[]): Promise<number> {
    const mark = this.nextMark++;
    const parts: (string | Buffer)[] = [
      `commit ${ref}\nmark :${mark}\n`,
      `author ${who.name} <${who.email}> ${when} +0000\ncommitter ${who.name} <${who.email}> ${when} +0000\n`,
      ...data(message),
    ];
    if (links.from !== undefined) parts.push(`from :${links.from}\n`);
    if (links.merge !== undefined) parts.push(`merge :${links.merge}\n`);
    for (const c of changes) {
      if (c.kind === 'rename') parts.push(`R ${c.from} ${c.to}\n`);
      else parts.push(`M 100644 inline ${c.path}\n`, ...data(c.data));
    }
    parts.push('\n');
    await this.write(parts);
    return mark;
  }

  async tag(name: string, target: number, who: Person, when: number, message: string): Promise<void> {
    await this.write([`tag ${name}\nfrom :${target}\ntagger ${who.name} <${who.email}> ${when} +0000\n`, ...data(message), '\n']);
  }

  /** Ends the stream and waits for fast-import to finish writing its pack. */
  async done(): Promise<void> {
    this.child.stdin.end('done\n');
    const [code] = await this.exited;
    if (code !== 0) throw new Error(`git fast-import exited ${code}\n${this.stderr.slice(-4000)}`);
  }

  private async write(parts: readonly (string | Buffer)[]): Promise<void> {
    if (this.closed) throw new Error(`git fast-import exited early\n${this.stderr.slice(-4000)}`);
    const buf = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    if (!this.child.stdin.write(buf)) {
      // once() rejects on 'error' (EPIPE when fast-import died); done() reports why.
      await Promise.race([once(this.child.stdin, 'drain').catch(() => undefined), this.exited]);
    }
  }
}

function data(payload: string | Buffer): (string | Buffer)[] {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return [`data ${bytes.length}\n`, bytes];
}
