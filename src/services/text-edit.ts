/**
 * Surgical edits of a text file, applied as Coregit's commit builder applies them
 * (services/commit-builder.ts, applyEdits), so that a client's edits land on the same lines:
 *
 *   1. every {oldString, newString?} first, in the order given: oldString must occur exactly
 *      once in the text as it is then; newString omitted deletes it;
 *   2. then every {range: [start, end], content}, from the highest start down, against ONE
 *      numbering: the text after step 1 split on "\n" (a final newline makes a last, empty
 *      line). Lines start..end (1-based, inclusive) become `content` split on "\n"; an empty
 *      content deletes them. start may be one past the last line (an append); end past the end
 *      replaces to the end.
 *
 * A failed edit says which (`index`, in the order given) and what Coregit shows as `context`:
 * the first 80 characters of the oldString it could not place ("" for a range).
 */
export type TextEdit = { oldString: string; newString?: string } | { range: [number, number]; content: string };

export class EditError extends Error {
  constructor(
    readonly index: number,
    message: string,
    readonly context: string,
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

export function applyEdits(text: string, edits: TextEdit[]): string {
  const ranges: Array<{ index: number; range: [number, number]; content: string }> = [];
  edits.forEach((edit, index) => {
    if ('range' in edit) {
      ranges.push({ index, range: edit.range, content: edit.content });
      return;
    }
    const context = edit.oldString.slice(0, 80);
    if (edit.oldString === '') throw new EditError(index, 'old_string must not be empty', context);
    const { count, at } = countUpTo2(text, edit.oldString);
    if (count !== 1) {
      throw new EditError(
        index,
        count === 0 ? 'String not found in file. Ensure old_string is unique and exact.' : 'old_string matches multiple locations. Provide more context to make it unique.',
        context,
        { matches: count === 0 ? 0 : 'several' },
      );
    }
    text = text.slice(0, at) + (edit.newString ?? '') + text.slice(at + edit.oldString.length);
  });
  if (ranges.length === 0) return text;
  // highest start first (a stable sort: equal starts keep their order), so that the lines above
  // an edit keep the numbers the client computed them with
  ranges.sort((a, b) => b.range[0] - a.range[0]);
  const lines = text.split('\n');
  for (const { index, range, content } of ranges) {
    const [start, end] = range;
    if (start < 1 || end < start || start > lines.length + 1) {
      throw new EditError(index, `Invalid range [${start}, ${end}]. File has ${lines.length} lines.`, '', { lines: lines.length });
    }
    const replacement = content === '' ? [] : content.split('\n');
    lines.splice(start - 1, Math.min(end - start + 1, lines.length - start + 1), ...replacement);
  }
  return lines.join('\n');
}
