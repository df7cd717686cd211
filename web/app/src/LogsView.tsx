import { useEffect, useRef, useState } from 'react';
import type { Optagon } from './optagon';

/** A live tail of a frame's container log (every 2 s), with pause and search. */
export function LogsView(props: { frame: string; optagon: Optagon }) {
  const [lines, setLines] = useState<string[]>([]);
  const [paused, setPaused] = useState(false);
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string>();
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (paused) return;
    let live = true;
    const load = () =>
      props.optagon.call('frame_logs', { frame: props.frame, tail: 500 }).then(
        (r) => live && (setLines(r.lines), setError(undefined)),
        (err: Error) => live && setError(err.message),
      );
    void load();
    const timer = setInterval(load, 2000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [props.frame, paused]);
  useEffect(() => {
    if (!paused && !query) end.current?.scrollIntoView({ block: 'end' });
  }, [lines, paused, query]);
  const shown = query ? lines.filter((l) => l.toLowerCase().includes(query.toLowerCase())) : lines;
  return (
    <section className="logs">
      <div className="logs-bar">
        <button onClick={() => setPaused(!paused)}>{paused ? 'Resume' : 'Pause'}</button>
        <input
          aria-label="search the log"
          placeholder="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <span className="muted">{query ? `${shown.length} of ${lines.length} lines` : `${lines.length} lines`}</span>
      </div>
      {error && <p className="error">{error}</p>}
      <pre className="log-lines">
        {shown.join('\n') || 'no log lines yet'}
        <div ref={end} />
      </pre>
    </section>
  );
}
