import { shortened } from '../shared/human-units.js';

/** The most of a transcript read for the latest turn: its end is what holds it. */
export const TRANSCRIPT_TAIL_BYTES = 4 * 1024 * 1024;

interface Block {
  type: string;
  text?: string;
  name?: string;
  input?: Record<string, unknown>;
  is_error?: boolean;
  content?: unknown;
}

interface Line {
  type?: string;
  uuid?: unknown;
  timestamp?: unknown;
  isMeta?: boolean;
  message?: { role?: string; content?: string | Block[] };
}

/** The transcript's lines that have the expected shape: a line being written, or a forged one, is skipped. */
function* lines(transcript: string): Generator<{ line: Line; content: string | Block[] | undefined }> {
  for (const raw of transcript.split('\n')) {
    if (!raw.trim()) continue;
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      continue;
    }
    if (typeof line !== 'object' || line === null) continue;
    const content = typeof line.message === 'object' && line.message !== null ? line.message.content : undefined;
    yield { line, content };
  }
}

/** A prompt a person (or agent_send) typed: a user message with text, not Claude Code's own meta lines. */
const promptText = (line: Line, content: string | Block[] | undefined): string | undefined => {
  if (line.type !== 'user' || line.isMeta) return undefined;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts = content.flatMap((b) => (b?.type === 'text' && typeof b.text === 'string' ? [b.text] : []));
  return texts.length ? texts.join('\n') : undefined;
};

/**
 * The agent's latest reply from a Claude Code transcript (JSONL, one event per line): the text of
 * the assistant messages after the last prompt a person (or agent_send) typed. Tool calls and tool
 * results in between are skipped: the reply is what the agent said, not the whole screen. The text
 * comes from the frame: lines that are not the expected shape are skipped.
 */
export function lastReplyFromTranscript(transcript: string): string | undefined {
  return lastTurnFromTranscript(transcript)?.reply || undefined;
}

/** What an agent's last turn was: what it was asked, what it answered, and what it did on the way. */
export interface Turn {
  /** The prompt line's uuid in the transcript, when it has one: what tells one turn from another. */
  id?: string;
  /** When it was asked, by the transcript (epoch ms), when it says. */
  at?: number;
  prompt: string;
  reply: string;
  /** Paths its Write, Edit, MultiEdit and NotebookEdit calls named. */
  files: string[];
  /** Commands its Bash calls ran. */
  commands: string[];
  /** Tool results that came back as errors, cut short. */
  errors: string[];
}

const EDIT_TOOLS = new Set(['Write', 'Edit', 'MultiEdit', 'NotebookEdit']);

/** The last turn of a transcript (turnsFromTranscript). */
export function lastTurnFromTranscript(transcript: string): Turn | undefined {
  return turnsFromTranscript(transcript).at(-1);
}

/**
 * The turns of a Claude Code transcript, read heuristically (no model): from each prompt on, the
 * assistant's text, the files its edit tools named, the commands it ran and the tool results that
 * were errors. Untrusted text from the frame: only the expected shapes count.
 */
export function turnsFromTranscript(transcript: string): Turn[] {
  const turns: Turn[] = [];
  let turn: Turn | undefined;
  for (const { line, content } of lines(transcript)) {
    const prompt = promptText(line, content);
    if (prompt !== undefined) {
      const id = typeof line.uuid === 'string' && line.uuid.length <= 100 ? line.uuid : undefined;
      const at = typeof line.timestamp === 'string' ? Date.parse(line.timestamp) : NaN;
      turn = {
        ...(id ? { id } : {}),
        ...(Number.isFinite(at) ? { at } : {}),
        prompt: shortened(prompt, 2000),
        reply: '',
        files: [],
        commands: [],
        errors: [],
      };
      turns.push(turn);
      continue;
    }
    if (!turn || !Array.isArray(content)) continue;
    for (const b of content) {
      if (line.type === 'assistant' && b?.type === 'text' && typeof b.text === 'string' && b.text)
        turn.reply = turn.reply ? `${turn.reply}\n\n${b.text}` : b.text;
      if (line.type === 'assistant' && b?.type === 'tool_use' && b.input && typeof b.input === 'object') {
        const path = b.input.file_path ?? b.input.notebook_path;
        if (EDIT_TOOLS.has(String(b.name)) && typeof path === 'string' && !turn.files.includes(path))
          turn.files.push(path);
        if (b.name === 'Bash' && typeof b.input.command === 'string')
          turn.commands.push(shortened(b.input.command, 300));
      }
      if (line.type === 'user' && b?.type === 'tool_result' && b.is_error === true) {
        const text = typeof b.content === 'string' ? b.content : JSON.stringify(b.content ?? '');
        turn.errors.push(shortened(text, 300));
      }
    }
  }
  return turns;
}
