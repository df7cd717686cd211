interface Line {
  type?: string;
  isMeta?: boolean;
  message?: { role?: string; content?: string | Array<{ type: string; text?: string }> };
}

/**
 * The agent's latest reply from a Claude Code transcript (JSONL, one event per line): the text of
 * the assistant messages after the last prompt a person (or agent_send) typed. Tool calls and tool
 * results in between are skipped: the reply is what the agent said, not the whole screen. The text
 * comes from the frame: lines that are not the expected shape are skipped.
 */
export function lastReplyFromTranscript(transcript: string): string | undefined {
  let texts: string[] = [];
  for (const raw of transcript.split('\n')) {
    if (!raw.trim()) continue;
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      continue; // a line being written right now
    }
    if (typeof line !== 'object' || line === null) continue;
    const content = typeof line.message === 'object' && line.message !== null ? line.message.content : undefined;
    if (line.type === 'user' && !line.isMeta) {
      const isPrompt =
        typeof content === 'string' || (Array.isArray(content) && content.some((b) => b?.type === 'text'));
      if (isPrompt) texts = [];
    } else if (line.type === 'assistant' && Array.isArray(content)) {
      for (const b of content) if (b?.type === 'text' && typeof b.text === 'string' && b.text) texts.push(b.text);
    }
  }
  return texts.length ? texts.join('\n\n') : undefined;
}
