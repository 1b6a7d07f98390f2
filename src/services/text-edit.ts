/**
 * Surgical edits of a text file, applied in order (each sees the result of the one before):
 *   {oldString, newString?}     oldString must occur exactly once; newString omitted deletes it
 *   {range: [start, end], content}   lines start..end (1-based, inclusive) become `content`
 * A range's replacement keeps the line structure: when the replaced lines ended with a newline,
 * so does the replacement (unless it is empty, which deletes the lines).
 */
export type TextEdit = { oldString: string; newString?: string } | { range: [number, number]; content: string };

export class EditError extends Error {
  constructor(
    readonly index: number,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function countUpTo2(text: string, needle: string): { count: number; at: number } {
  const at = text.indexOf(needle);
  if (at < 0) return { count: 0, at };
  return { count: text.indexOf(needle, at + 1) < 0 ? 1 : 2, at };
}

/** The lines of `text`, each with its "\n" (the last may lack one). */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  let from = 0;
  while (from < text.length) {
    const nl = text.indexOf('\n', from);
    const to = nl < 0 ? text.length : nl + 1;
    lines.push(text.slice(from, to));
    from = to;
  }
  return lines;
}

export function applyEdits(text: string, edits: TextEdit[]): string {
  edits.forEach((edit, i) => {
    if ('oldString' in edit) {
      if (edit.oldString === '') throw new EditError(i, 'old_string must not be empty');
      const { count, at } = countUpTo2(text, edit.oldString);
      if (count !== 1) {
        throw new EditError(i, count === 0 ? 'old_string was not found' : 'old_string matches more than once; add context to make it unique', {
          matches: count === 0 ? 0 : 'several',
        });
      }
      text = text.slice(0, at) + (edit.newString ?? '') + text.slice(at + edit.oldString.length);
      return;
    }
    const [start, end] = edit.range;
    const lines = splitLines(text);
    if (!(start >= 1 && end >= start && end <= lines.length)) {
      throw new EditError(i, `range [${start}, ${end}] is outside the file's ${lines.length} lines`, { lines: lines.length });
    }
    let content = edit.content;
    if (content !== '' && lines[end - 1].endsWith('\n') && !content.endsWith('\n')) content += '\n';
    text = lines.slice(0, start - 1).join('') + content + lines.slice(end).join('');
  });
  return text;
}
