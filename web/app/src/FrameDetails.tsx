import { useEffect, useState } from 'react';
import { megabytes, type Frame, type Stats } from './frames';
import type { OptagonResults } from '../../../host/tool-results';
import type { Optagon } from './optagon';

type Window_ = OptagonResults['tmux_list_windows']['windows'][number];
type Agent = OptagonResults['agent_list']['agents'][number];

/** A small line chart of the last samples (an SVG polyline; 0..max bottom to top). */
function Sparkline(props: { values: number[]; max: number; label: string }) {
  const w = 240;
  const h = 48;
  const points = props.values
    .map((v, i) => `${(i / Math.max(1, props.values.length - 1)) * w},${h - (Math.min(v, props.max) / props.max) * h}`)
    .join(' ');
  return (
    <svg className="sparkline" width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={props.label}>
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

/** A frame's resources over time, its tmux windows (open one as a terminal) and its agents (review one's work). */
export function FrameDetails(props: {
  frame: Frame;
  history: Stats[];
  optagon: Optagon;
  onOpenWindow(windowId: string, label: string): void;
  onReview(agent: string): void;
}) {
  const [windows, setWindows] = useState<Window_[]>([]);
  const [agents, setAgents] = useState<Agent[]>([]);
  const [error, setError] = useState<string>();
  const running = props.frame.status === 'running';
  useEffect(() => {
    if (!running) return;
    let live = true;
    const load = () => {
      Promise.all([
        props.optagon.call('tmux_list_windows', { frame: props.frame.name }),
        props.optagon.call('agent_list', { frame: props.frame.name }),
      ]).then(
        ([w, a]) => live && (setWindows(w.windows), setAgents(a.agents), setError(undefined)),
        (err: Error) => live && setError(err.message),
      );
    };
    load();
    const timer = setInterval(load, 3000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [props.frame.name, running]);
  const last = props.history.at(-1);
  return (
    <section className="details">
      <h2>{props.frame.name}</h2>
      <p className="muted">
        {props.frame.workspace} · {props.frame.status}
      </p>
      <div className="charts">
        <figure>
          <figcaption>CPU {last ? `${last.cpuPercent.toFixed(1)}%` : '—'}</figcaption>
          <Sparkline
            values={props.history.map((s) => s.cpuPercent)}
            max={Math.max(100, ...props.history.map((s) => s.cpuPercent))}
            label="CPU over time"
          />
        </figure>
        <figure>
          <figcaption>memory {last ? megabytes(last.memUsageBytes) : '—'}</figcaption>
          {/* Scaled to the highest seen (the limit is the host's memory: a small frame would be a flat line). */}
          <Sparkline
            values={props.history.map((s) => s.memUsageBytes)}
            max={Math.max(1, ...props.history.map((s) => s.memUsageBytes)) * 1.25}
            label="memory over time"
          />
        </figure>
      </div>
      {!running && <p className="muted">start the frame to see its windows and agents</p>}
      {error && <p className="error">{error}</p>}
      {running && (
        <>
          <h3>Windows</h3>
          <ul className="windows">
            {windows.map((w) => (
              <li key={w.id}>
                <button onClick={() => props.onOpenWindow(String(w.index), `${props.frame.name}:${w.name}`)}>
                  {w.index}: {w.name} <span className="muted">{w.command}</span>
                </button>
              </li>
            ))}
          </ul>
          <h3>Agents</h3>
          <ul className="agents">
            {agents.map((a) => (
              <li key={a.name}>
                <strong>{a.name}</strong> <span className="muted">{a.kind}</span>{' '}
                <span className={`agent-state agent-${a.state}`}>{a.state}</span>{' '}
                {a.worktree && <span className="muted">{a.worktree.branch}</span>}{' '}
                {a.window && (
                  <button onClick={() => props.onOpenWindow(a.window!, `${props.frame.name}/${a.name}`)}>Open</button>
                )}
                {a.worktree && <button onClick={() => props.onReview(a.name)}>Review</button>}
              </li>
            ))}
            {!agents.length && <li className="muted">no agents</li>}
          </ul>
        </>
      )}
    </section>
  );
}
