/**
 * The reading half of tmux control mode (`tmux -C`), for a server we do not trust: the frame's tmux
 * server, and the programs in its panes, can print anything. Output arrives as lines; a command's
 * answer is a block `%begin <time> <number> <flags>` … `%end|%error <time> <number> <flags>`, and
 * everything else outside a block is a notification (`%window-add`, `%exit`, …), which we ignore.
 *
 * What a hostile server can do here is limited to lying about its own frame: a pane line that reads
 * like `%end …` can only cut its own capture short. Nothing read here is ever run, and no block may
 * grow past `maxBlockBytes`, so a flood cannot exhaust the host's memory.
 */
export interface ControlBlock {
  /** The command number tmux gave the block. */
  number: number;
  /** 1 for a command this client sent; 0 for one tmux ran on its own (the attach itself). */
  fromClient: boolean;
  ok: boolean;
  lines: string[];
}

export interface ControlParserEvents {
  block(block: ControlBlock): void;
  /** `%exit [reason]`: the server is ending this client. */
  exit(reason: string): void;
  /** The answer broke the protocol or a limit: the channel can no longer be trusted to line up. */
  error(message: string): void;
}

const BEGIN = /^%begin (\d{1,20}) (\d{1,12}) (\d{1,4})$/;

export class ControlParser {
  private pending = '';
  private block: { time: string; number: string; flags: string; lines: string[]; bytes: number } | undefined;
  private failed = false;

  constructor(
    private readonly on: ControlParserEvents,
    private readonly maxBlockBytes = 16 * 1024 * 1024,
  ) {}

  /** Feeds decoded text as it arrives; lines may be split anywhere between calls. */
  push(text: string): void {
    if (this.failed) return;
    this.pending += text;
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      this.line(line.endsWith('\r') ? line.slice(0, -1) : line);
      if (this.failed) return;
    }
    // One line longer than a whole block may be (no newline in sight): refuse to hold it.
    if (this.pending.length > this.maxBlockBytes) this.fail(`a line of tmux output passed ${this.maxBlockBytes} bytes`);
  }

  private line(line: string): void {
    const b = this.block;
    if (b) {
      if (line === `%end ${b.time} ${b.number} ${b.flags}` || line === `%error ${b.time} ${b.number} ${b.flags}`) {
        this.block = undefined;
        this.on.block({
          number: Number(b.number),
          fromClient: b.flags === '1',
          ok: line.startsWith('%end'),
          lines: b.lines,
        });
        return;
      }
      b.bytes += line.length + 1;
      if (b.bytes > this.maxBlockBytes) return this.fail(`a tmux answer passed ${this.maxBlockBytes} bytes`);
      b.lines.push(line);
      return;
    }
    const begin = BEGIN.exec(line);
    if (begin) {
      this.block = { time: begin[1]!, number: begin[2]!, flags: begin[3]!, lines: [], bytes: 0 };
      return;
    }
    if (line === '%exit' || line.startsWith('%exit ')) this.on.exit(line.slice(6));
    // Any other line outside a block is a notification, or noise: neither is acted on.
  }

  private fail(message: string): void {
    this.failed = true;
    this.block = undefined;
    this.pending = '';
    this.on.error(message);
  }
}

/**
 * One argument as tmux's command parser reads it: double-quoted, with `\`, `"`, `$` (variables),
 * and every control character escaped, so no argument can end the command (`;`, a newline), start
 * another, expand a variable or `~`, or open a comment. Plain words stay as they are for legible logs.
 */
export function quoteTmuxArg(arg: string): string {
  if (/^[A-Za-z0-9_@%:./=,+-]+$/.test(arg) && !arg.startsWith('%')) return arg;
  let out = '"';
  for (const ch of arg) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\' || ch === '"' || ch === '$') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A whole command line for control mode, one command, arguments quoted. */
export const tmuxCommandLine = (args: readonly string[]): string => args.map(quoteTmuxArg).join(' ');
