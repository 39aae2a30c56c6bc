// A pasted request body (JSON or YAML: JSON is YAML 1.2) parsed with the `yaml` package, which keeps where each
// value was written, so a problem the API reports at a JSON pointer is shown at its line of the paste. Loaded
// only by the new-agent page (a separate chunk of the build).

import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node } from 'yaml';

export interface Parsed {
  value: unknown;
  // The 1-based line a JSON pointer names: its key's line, or the nearest enclosing value's when the key is
  // not in the paste (a missing required field is reported at its parent).
  line(pointer: string): number;
}

export interface ParseFailure {
  line: number;
  message: string;
}

function unescape(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

// A paste that looks like JSON is held to JSON first: its parser says exactly where it stops (YAML would read a
// broken JSON object as a flow map and blame the line it starts on).
function jsonFailure(text: string): ParseFailure | null {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return null;
  try {
    JSON.parse(text);
    return null;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const line = /\(line (\d+)/.exec(message);
    const at = /position (\d+)/.exec(message);
    const number = line ? Number(line[1]) : at ? text.slice(0, Number(at[1])).split('\n').length : 1;
    return { line: number, message: message.replace(/ \(line \d+ column \d+\)$/, '') };
  }
}

export function parseSource(text: string): Parsed | ParseFailure {
  const broken = jsonFailure(text);
  if (broken) return broken;
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    return { line: e.linePos?.[0].line ?? 1, message: e.message.split('\n')[0] };
  }
  const lineOf = (offset: number) => counter.linePos(offset).line || 1;
  return {
    value: doc.toJS(),
    line(pointer: string): number {
      const segments = pointer === '' ? [] : pointer.split('/').slice(1).map(unescape);
      let node: Node | null = (doc.contents as Node | null) ?? null;
      let line = node?.range ? lineOf(node.range[0]) : 1;
      for (const segment of segments) {
        if (isMap(node)) {
          const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
          if (!pair) break;
          const key = pair.key as Node;
          if (key.range) line = lineOf(key.range[0]);
          node = (pair.value as Node | null) ?? null;
        } else if (isSeq(node)) {
          const item = node.items[Number(segment)] as Node | undefined;
          if (!item) break;
          if (item.range) line = lineOf(item.range[0]);
          node = item;
        } else {
          break;
        }
      }
      return line;
    },
  };
}
