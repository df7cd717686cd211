import { existsSync, readFileSync } from 'node:fs';

interface Line {
  type?: string;
  isMeta?: boolean;
  message?: { role?: string; content?: string | Array<{ type: string; text?: string }> };
}

/**
 * The agent's latest reply from a Claude Code transcript (JSONL, one event per line): the text of
 * the assistant messages after the last prompt a person (or agent_send) typed. Tool calls and tool
 * results in between are skipped: the reply is what the agent said, not the whole screen.
 */
export function lastReplyFromTranscript(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  let texts: string[] = [];
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    if (!raw.trim()) continue;
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      continue; // a line being written right now
    }
    const content = line.message?.content;
    if (line.type === 'user' && !line.isMeta) {
      const isPrompt = typeof content === 'string' || (Array.isArray(content) && content.some((b) => b.type === 'text'));
      if (isPrompt) texts = [];
    } else if (line.type === 'assistant' && Array.isArray(content)) {
      for (const b of content) if (b.type === 'text' && b.text) texts.push(b.text);
    }
  }
  return texts.length ? texts.join('\n\n') : undefined;
}
