import { Fzf } from 'fzf';
import { Box, render, Text, useApp, useInput } from 'ink';
import { useMemo, useState } from 'react';
import type { FrameRow } from './frame-rows.js';

const SHOWN = 10;

function Picker({ frames, onPick }: { frames: FrameRow[]; onPick(frame: FrameRow | undefined): void }) {
  const { exit } = useApp();
  const [query, setQuery] = useState('');
  const [cursor, setCursor] = useState(0);
  const fzf = useMemo(() => new Fzf(frames, { selector: (f: FrameRow) => f.name }), [frames]);
  const found = query ? fzf.find(query).map((r: { item: FrameRow }) => r.item) : frames;
  const choice = found[Math.min(cursor, found.length - 1)];

  useInput((input, key) => {
    if (key.escape) {
      onPick(undefined);
      return exit();
    }
    if (key.return) {
      onPick(choice);
      return exit();
    }
    if (key.upArrow) setCursor((c) => Math.max(0, c - 1));
    else if (key.downArrow) setCursor((c) => Math.min(found.length - 1, c + 1));
    else if (key.backspace || key.delete) {
      setQuery((q) => q.slice(0, -1));
      setCursor(0);
    } else if (input && !key.ctrl && !key.meta) {
      setQuery((q) => q + input);
      setCursor(0);
    }
  });

  return (
    <Box flexDirection="column">
      <Text>
        <Text color="cyan">frame › </Text>
        {query}▏
      </Text>
      {found.slice(0, SHOWN).map((f: FrameRow) => (
        <Text key={f.id} inverse={f === choice}>
          {f === choice ? '> ' : '  '}
          {f.name} <Text dimColor>{f.status}</Text>
        </Text>
      ))}
      {!found.length && <Text dimColor>no frame matches</Text>}
      <Text dimColor>type to search · ↑/↓ · Enter opens · Esc cancels</Text>
    </Box>
  );
}

/** A fuzzy frame picker (fzf's algorithm, the fzf package): resolves with the chosen frame, or undefined when cancelled. */
export async function pickFrame(frames: FrameRow[]): Promise<FrameRow | undefined> {
  let picked: FrameRow | undefined;
  const app = render(<Picker frames={frames} onPick={(f) => (picked = f)} />);
  await app.waitUntilExit();
  return picked;
}
