import { useState } from 'react';
import { ago, isSettingUp, megabytes, portLinks, setupFailure, type Frame, type Stats } from './frames';

/** `setup` runs the frame's setup commands again (frame_run). */
export type FrameAction = 'start' | 'stop' | 'restart' | 'destroy' | 'setup';

/**
 * Every frame the session may see: status, its ports (links to what it serves), a failed setup, last
 * activity, CPU and memory, with the actions its permissions allow; a filter by name and status, and a
 * create form.
 */
export function FrameList(props: {
  frames: Frame[];
  stats: Map<string, Stats>;
  canWrite: boolean;
  canManage: boolean;
  busy: Set<string>;
  onAction(frame: Frame, action: FrameAction): void;
  onOpen(frame: Frame, view: 'terminal' | 'details' | 'logs'): void;
  onCreate(name: string, workspace: string): Promise<void>;
}) {
  const [filter, setFilter] = useState('');
  const [status, setStatus] = useState('');
  const [createError, setCreateError] = useState<string>();
  const shown = props.frames.filter((f) => f.name.includes(filter.trim()) && (!status || f.status === status));
  const create = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    setCreateError(undefined);
    try {
      await props.onCreate(String(data.get('name')).trim(), String(data.get('workspace')).trim());
      form.reset();
    } catch (err) {
      setCreateError((err as Error).message);
    }
  };
  return (
    <section className="frames">
      <div className="frame-filters">
        <input
          aria-label="filter by name"
          placeholder="filter"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        <select aria-label="filter by status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">any status</option>
          {['running', 'stopped', 'created', 'starting', 'error'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </div>
      <ul className="frame-list">
        {shown.map((f) => {
          const s = props.stats.get(f.id);
          const links = portLinks(f);
          const failure = setupFailure(f);
          const busy = props.busy.has(f.id);
          return (
            <li key={f.id} className="frame" data-frame={f.name}>
              <div className="frame-head">
                <strong>{f.name}</strong>
                <span className={`status status-${f.status}`} data-testid="status">
                  {busy ? '…' : f.status}
                </span>
              </div>
              <div className="frame-facts">
                <span className="frame-ports">
                  {links.length
                    ? links.map((p) => (
                        <a
                          key={p.host}
                          href={p.href}
                          target="_blank"
                          rel="noopener noreferrer"
                          title={`port ${p.container} in the frame`}
                        >
                          :{p.host}
                          {p.container === 3000 ? '' : `→${p.container}`}
                        </a>
                      ))
                    : 'no port'}
                </span>
                <span title="last activity">{ago(f.lastActiveAt)}</span>
                <span title="CPU">{s ? `${s.cpuPercent.toFixed(1)}%` : '—'}</span>
                <span title="memory">{s ? megabytes(s.memUsageBytes) : '—'}</span>
              </div>
              {failure && (
                <p className="frame-setup failed" data-testid="setup" title="its tmux window 'setup' shows why">
                  <span>⚠ {failure}</span>
                  {props.canWrite && f.status === 'running' && (
                    <button disabled={busy} onClick={() => props.onAction(f, 'setup')}>
                      Run setup again
                    </button>
                  )}
                </p>
              )}
              {isSettingUp(f) && (
                <p className="frame-setup muted" data-testid="setup">
                  setting up…
                </p>
              )}
              <div className="frame-actions">
                <button disabled={f.status !== 'running'} onClick={() => props.onOpen(f, 'terminal')}>
                  Terminal
                </button>
                <button onClick={() => props.onOpen(f, 'details')}>Details</button>
                <button onClick={() => props.onOpen(f, 'logs')}>Logs</button>
                {props.canWrite && f.status !== 'running' && (
                  <button disabled={busy} onClick={() => props.onAction(f, 'start')}>
                    Start
                  </button>
                )}
                {props.canWrite && f.status === 'running' && (
                  <button disabled={busy} onClick={() => props.onAction(f, 'stop')}>
                    Stop
                  </button>
                )}
                {props.canWrite && f.status === 'running' && (
                  <button disabled={busy} onClick={() => props.onAction(f, 'restart')}>
                    Restart
                  </button>
                )}
                {props.canManage && (
                  <button className="danger" disabled={busy} onClick={() => props.onAction(f, 'destroy')}>
                    Destroy
                  </button>
                )}
              </div>
            </li>
          );
        })}
        {!shown.length && <li className="empty">{props.frames.length ? 'no frame matches' : 'no frames yet'}</li>}
      </ul>
      {props.canManage && (
        <form className="frame-create" onSubmit={create}>
          <input name="name" aria-label="new frame name" placeholder="name" required pattern="[a-z0-9][a-z0-9-]*" />
          <input name="workspace" aria-label="workspace path" placeholder="/path/to/project on the host" required />
          <button type="submit">Create</button>
          {createError && (
            <p className="error" role="alert">
              {createError}
            </p>
          )}
        </form>
      )}
    </section>
  );
}
