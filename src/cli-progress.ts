/**
 * Progress of long CLI work on stderr, as git shows it: one line per phase, redrawn in place
 * on a terminal ("Indexing objects:  45% (32146/71485), 2,310 objects/s, ETA 17 s"), and on
 * anything else a plain line when a phase ends and at most every five seconds meanwhile.
 */
import type { ImportEvent } from './services/import.js';

const PLAIN_EVERY_MS = 5000;

export class Progress {
  private line = '';
  private phase = '';
  private phaseStart = Date.now();
  private lastPlain = 0;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly tty = Boolean(process.stderr.isTTY),
  ) {}

  /** Shows `done` of `total` for the phase `name`; a new name ends the phase before. */
  update(name: string, done: number, total: number): void {
    const now = Date.now();
    if (name !== this.phase) {
      this.end();
      this.phase = name;
      this.phaseStart = now;
    }
    const pct = total > 0 ? Math.floor((done * 100) / total) : 100;
    const secs = (now - this.phaseStart) / 1000;
    const rate = secs > 0.5 ? done / secs : 0;
    const eta = rate > 0 && done < total ? `, ETA ${Math.ceil((total - done) / rate)} s` : '';
    this.line = `${name}: ${String(pct).padStart(3)}% (${done}/${total})${rate ? `, ${Math.round(rate).toLocaleString('en-US')}/s` : ''}${eta}`;
    if (this.tty) this.out.write(`\r${this.line}\x1b[K`);
    else if (now - this.lastPlain >= PLAIN_EVERY_MS) {
      this.lastPlain = now;
      this.out.write(`${this.line}\n`);
    }
  }

  /** A phase with no count. */
  say(text: string): void {
    this.end();
    this.out.write(`${text}\n`);
  }

  /** Ends the phase shown: its last state stays on screen ("…, done."). */
  end(): void {
    if (!this.phase) return;
    const secs = ((Date.now() - this.phaseStart) / 1000).toFixed(1);
    this.out.write(`${this.tty ? '\r' : ''}${this.line.replace(/, ETA \d+ s$/, '')}, done in ${secs} s.${this.tty ? '\x1b[K' : ''}\n`);
    this.phase = '';
    this.lastPlain = 0;
  }

  /** The import's events on this display. */
  readonly onImport = (e: ImportEvent): void => {
    if (e.kind === 'start') this.say(`Importing ${e.what}: ${e.refs} branches and tags, ${e.packs} pack${e.packs === 1 ? '' : 's'}${e.loose ? ` (${e.loose} loose objects among them)` : ''}`);
    else if (e.kind === 'pack') {
      const of = e.packs > 1 ? ` [pack ${e.index + 1}/${e.packs}]` : '';
      this.update(e.progress.phase === 'objects' ? `Indexing objects${of}` : `Resolving deltas${of}`, e.progress.done, e.progress.total);
    } else if (e.kind === 'phase') this.say(e.name === 'connectivity' ? 'Checking connectivity…' : 'Updating refs…');
  };
}
