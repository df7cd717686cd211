import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { frameConfigSchema, type FrameConfig } from './frame-config.js';

/**
 * A frame config written as YAML (`optagon frame config --edit` or `--file`), validated in full,
 * each error told with the line it is on: `config.yaml:12: manager.routing[1].condition: ...`.
 */
export function parseFrameConfigYaml(text: string, file: string): FrameConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new Error(`${file}:${lines.linePos(e.pos[0]).line}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const parsed = frameConfigSchema.safeParse(doc.toJS() ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path =
    issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '') || '(root)';
  throw new Error(`${file}:${lineOf(doc, lines, issue.path)}: ${path}: ${issue.message}`);
}

/** The line of the node at `path`, or of its nearest parent that exists (a missing key's map). */
function lineOf(doc: Document, lines: LineCounter, path: PropertyKey[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n ? doc.getIn(path.slice(0, n) as Array<string | number>, true) : doc.contents;
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return 1;
}
