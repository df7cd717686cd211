import { useEffect, useState } from 'react';
import { megabytes, portLinks, setupOutcome, type Frame, type Stats } from './frames';
import type { OptagonResults } from '../../../host/tool-results';
import type { Optagon } from './optagon';

type Window_ = OptagonResults['tmux_list_windows']['windows'][number];
type Agent = OptagonResults['agent_list']['agents'][number];
type FrameGet = OptagonResults['frame_get'];

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

/** A start command's window as it is: running, exited (with its code), missing; `—` while the frame is not running. */
const commandState = (c: FrameGet['commands'][number] | undefined) =>
  !c ? '—' : c.state === 'exited' && c.exitCode !== undefined ? `exited (${c.exitCode})` : c.state;

/**
 * A frame's ports, setup and start commands (run one again), resources over time, its tmux windows
 * (open one as a terminal) and its agents (review one's work).
 */
export function FrameDetails(props: {
  frame: Frame;
  history: Stats[];
  optagon: Optagon;
  canWrite: boolean;
  onOpenWindow(windowId: string, label: string): void;
  onReview(agent: string): void;
}) {
  const [windows, setWindows] = useState<Window_[]>([]);
  const [agents, setAgents] = useState<Agent[]>([]);
  const [details, setDetails] = useState<FrameGet>();
  const [error, setError] = useState<string>();
  const [runs, setRuns] = useState(0);
  const running = props.frame.status === 'running';
  useEffect(() => {
    let live = true;
    const load = () => {
      Promise.all([
        props.optagon.call('frame_get', { frame: props.frame.name, events: 0 }),
        running ? props.optagon.call('tmux_list_windows', { frame: props.frame.name }) : undefined,
        running ? props.optagon.call('agent_list', { frame: props.frame.name }) : undefined,
      ]).then(
        ([d, w, a]) => {
          if (!live) return;
          setDetails(d);
          setWindows(w?.windows ?? []);
          setAgents(a?.agents ?? []);
          setError(undefined);
        },
        (err: Error) => live && setError(err.message),
      );
    };
    load();
    const timer = running ? setInterval(load, 3000) : undefined;
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [props.frame.name, running, runs]);
  /** frame_run: a start command again, or the setup; the details are read again after. */
  const runAgain = (name: string) =>
    props.optagon.call('frame_run', { frame: props.frame.name, name }).then(
      () => setRuns((n) => n + 1),
      (err: Error) => setError(`run ${name}: ${err.message}`),
    );
  const setup = details?.frame.setup;
  const project = details?.project;
  const setupWindow = windows.find((w) => w.name === 'setup');
  const last = props.history.at(-1);
  return (
    <section className="details">
      <h2>{props.frame.name}</h2>
      <p className="muted">
        {props.frame.workspace} · {props.frame.status}
      </p>
      <p className="frame-ports">
        {portLinks(props.frame).map((p) => (
          <a key={p.host} href={p.href} target="_blank" rel="noopener noreferrer">
            :{p.host} <span className="muted">→ {p.container}</span>
          </a>
        ))}
      </p>
      {project && (project.setup.length > 0 || setup) && (
        <>
          <h3>
            Setup{' '}
            <span className={`frame-setup ${setup?.state ?? ''}`} data-testid="setup-state">
              {setup ? setupOutcome(setup) : 'not run yet'}
            </span>
          </h3>
          <ol className="setup-steps">
            {project.setup.map((command, i) => (
              <li key={i} className={setup?.state === 'failed' && setup.step === i + 1 ? 'failed' : ''}>
                <code>{command}</code>
                {setup?.state === 'failed' && setup.step === i + 1 && ` ✗ exit ${setup.exitCode ?? '?'}`}
              </li>
            ))}
          </ol>
          <div className="frame-actions">
            {props.canWrite && running && project.setup.length > 0 && (
              <button onClick={() => void runAgain('setup')}>Run setup again</button>
            )}
            {setupWindow && (
              <button onClick={() => props.onOpenWindow(String(setupWindow.index), `${props.frame.name}:setup`)}>
                Open its window
              </button>
            )}
          </div>
        </>
      )}
      {project && project.start.length > 0 && (
        <>
          <h3>Start commands</h3>
          <ul className="commands">
            {project.start.map((c) => {
              const state = details.commands.find((s) => s.name === c.name);
              return (
                <li key={c.name}>
                  <strong>{c.name}</strong>{' '}
                  <span className={`command-${state?.state ?? 'none'}${state?.exitCode ? ' failed' : ''}`}>
                    {commandState(state)}
                  </span>{' '}
                  <code className="muted">{c.command}</code>{' '}
                  {props.canWrite && running && (
                    <button onClick={() => void runAgain(c.name)}>
                      {state?.state === 'running' ? 'Restart' : 'Run'}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}
      {project?.devcontainer && (
        <p className="muted">
          from {project.devcontainer.file}: {project.devcontainer.keys.join(', ') || 'nothing the config leaves out'}
          {project.devcontainer.warnings.map((w) => (
            <span key={w} className="notice">
              <br />
              {w}
            </span>
          ))}
        </p>
      )}
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
