import { Box, Text } from 'ink';
import type { ResultOf } from '../../host/tool-results.js';
import { untrusted } from '../render.js';

export type AgentDiff = ResultOf<'agent_diff'>;

/** The colour of a line of a unified diff. */
function colourOf(line: string): string | undefined {
  if (/^(diff --git|index |--- |\+\+\+ )/.test(line)) return 'white';
  if (line.startsWith('@@')) return 'cyan';
  if (line.startsWith('+')) return 'green';
  if (line.startsWith('-')) return 'red';
  return undefined;
}

/** An agent's diff, full screen, from line `scroll`: the frame's text, each line without its control characters. */
export function DiffView({ diff, scroll, rows }: { diff: AgentDiff; scroll: number; rows: number }) {
  const lines = diff.patch ? diff.patch.replace(/\n$/, '').split('\n') : [];
  const from = Math.min(scroll, Math.max(0, lines.length - rows));
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        diff of {untrusted(diff.agent)} on {untrusted(diff.branch)} against {diff.base.slice(0, 12)}:{' '}
        {diff.files.length} file{diff.files.length === 1 ? '' : 's'} (j/k scroll, Esc closes)
      </Text>
      {!lines.length && <Text dimColor>no changes</Text>}
      {lines.slice(from, from + rows).map((line, i) => {
        const colour = colourOf(line);
        return (
          <Text key={from + i} wrap="truncate" {...(colour ? { color: colour } : {})}>
            {untrusted(line) || ' '}
          </Text>
        );
      })}
      {diff.truncated && (
        <Text dimColor>
          … cut at {diff.patch.length} of {diff.bytes} bytes: optagon agent diff {untrusted(diff.agent)} --json
        </Text>
      )}
    </Box>
  );
}
