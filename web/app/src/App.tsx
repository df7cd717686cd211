import { useCallback, useEffect, useRef, useState } from 'react';
import { AgentReview } from './AgentReview';
import { FrameDetails } from './FrameDetails';
import { FrameList, type FrameAction } from './FrameList';
import type { Frame, Stats } from './frames';
import { Login } from './Login';
import { LogsView } from './LogsView';
import { Optagon } from './optagon';
import { forget, may, refresh, savedSession, type Session } from './session';
import { TerminalPane } from './TerminalPane';

type Tab = { id: string; label: string; frame: string } & (
  { kind: 'terminal'; windowId?: string } | { kind: 'details' } | { kind: 'logs' } | { kind: 'review'; agent: string }
);

const HISTORY = 60;

export function App() {
  const [session, setSession] = useState<Session | undefined>(savedSession);
  const [notice, setNotice] = useState<string>();
  const ended = useCallback((why: string) => {
    forget();
    setSession(undefined);
    setNotice(`${why.replace(/;.*$/, '')}: log in again`);
  }, []);
  if (!session) return <Login notice={notice} onSession={(s) => (setNotice(undefined), setSession(s))} />;
  return <Dashboard session={session} onSession={setSession} onEnded={ended} />;
}

function Dashboard(props: { session: Session; onSession(s: Session): void; onEnded(why: string): void }) {
  const jwt = useRef(props.session.jwt);
  jwt.current = props.session.jwt;
  const [optagon, setOptagon] = useState<Optagon>();
  const [error, setError] = useState<string>();
  const [frames, setFrames] = useState<Frame[]>([]);
  const [stats, setStats] = useState(new Map<string, Stats>());
  const history = useRef(new Map<string, Stats[]>());
  const [busy, setBusy] = useState(new Set<string>());
  const [tabs, setTabs] = useState<Tab[]>([]);
  const [active, setActive] = useState<string>();
  const [reauth, setReauth] = useState(0);
  const [view, setView] = useState<'list' | 'tab'>('list');

  // One MCP session for the page.
  useEffect(() => {
    let client: Optagon | undefined;
    Optagon.connect(() => jwt.current, props.onEnded).then(
      (c) => setOptagon((client = c)),
      (err: Error) => setError(`cannot reach the daemon: ${err.message}`),
    );
    return () => void client?.close();
  }, []);

  // Sessions last 15 minutes: renewed a minute before, and the terminals told.
  useEffect(() => {
    const timer = setTimeout(
      () => {
        refresh(props.session).then(
          (s) => (props.onSession(s), setReauth((n) => n + 1)),
          (err: Error) => props.onEnded(err.message),
        );
      },
      Math.max(1_000, props.session.expiresAt - Date.now() - 60_000),
    );
    return () => clearTimeout(timer);
  }, [props.session]);

  const loadFrames = useCallback(async () => {
    if (!optagon) return;
    try {
      const { frames } = await optagon.call('frame_list');
      setFrames([...frames].sort((a, b) => a.name.localeCompare(b.name)));
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [optagon]);
  // Told of every change (frames://list), never polling; a frame-scoped session polls (see Optagon.watch).
  useEffect(() => {
    if (!optagon) return;
    void loadFrames();
    return optagon.watch('frames://list', () => void loadFrames());
  }, [optagon, loadFrames]);

  // CPU and memory of the running frames every 3 s, with a short history for the charts.
  useEffect(() => {
    if (!optagon) return;
    const sample = async () => {
      const running = frames.filter((f) => f.status === 'running');
      const next = new Map<string, Stats>();
      await Promise.all(
        running.map(async (f) => {
          const s = await optagon.call('frame_stats', { frame: f.id }).catch(() => undefined);
          if (!s) return;
          next.set(f.id, s);
          history.current.set(f.id, [...(history.current.get(f.id) ?? []), s].slice(-HISTORY));
        }),
      );
      setStats(next);
    };
    void sample();
    const timer = setInterval(sample, 3000);
    return () => clearInterval(timer);
  }, [optagon, frames]);

  /** Opens (or shows) a tab; `sub` is the window of a terminal, the agent of a review. */
  const open = (frame: Frame, kind: Tab['kind'], sub?: string, label?: string) => {
    const id = `${kind}:${frame.name}${sub ? `:${sub}` : ''}`;
    setTabs((ts) =>
      ts.some((t) => t.id === id)
        ? ts
        : [
            ...ts,
            {
              id,
              frame: frame.name,
              kind,
              label: label ?? (kind === 'terminal' ? frame.name : `${frame.name} ${kind}`),
              ...(sub ? (kind === 'review' ? { agent: sub } : { windowId: sub }) : {}),
            } as Tab,
          ],
    );
    setActive(id);
    setView('tab');
  };
  const close = (id: string) => {
    setTabs((ts) => ts.filter((t) => t.id !== id));
    if (active === id) setActive(tabs.find((t) => t.id !== id)?.id);
  };

  const act = async (frame: Frame, action: FrameAction) => {
    if (!optagon) return;
    if (
      action === 'destroy' &&
      !confirm(`Destroy frame ${frame.name}? Its container goes; its workspace (${frame.workspace}) is kept.`)
    )
      return;
    setBusy((b) => new Set(b).add(frame.id));
    try {
      if (action === 'stop' || action === 'restart') await optagon.call('frame_stop', { frame: frame.id });
      if (action === 'start' || action === 'restart') await optagon.call('frame_start', { frame: frame.id });
      if (action === 'destroy') await optagon.call('frame_destroy', { frame: frame.id, force: true });
      if (action === 'setup') await optagon.call('frame_run', { frame: frame.id, name: 'setup' });
      setError(undefined);
    } catch (err) {
      setError(`${action} ${frame.name}: ${(err as Error).message}`);
    } finally {
      setBusy((b) => {
        const n = new Set(b);
        n.delete(frame.id);
        return n;
      });
      await loadFrames();
    }
  };

  const logout = () => {
    forget();
    location.reload();
  };
  const frameOf = (name: string) => frames.find((f) => f.name === name);
  return (
    <div className={`app view-${view}`}>
      <header>
        <button className="to-list" onClick={() => setView('list')}>
          Frames
        </button>
        <strong>Optagon</strong>
        <span className="muted">
          {props.session.permissions.join(', ')}
          {props.session.frames ? ` on ${props.session.frames.join(', ')}` : ''}
        </span>
        <button onClick={logout}>Log out</button>
      </header>
      {error && (
        <p className="error banner" role="alert">
          {error}
        </p>
      )}
      <div className="layout">
        <FrameList
          frames={frames}
          stats={stats}
          busy={busy}
          canWrite={may(props.session, 'write')}
          canManage={may(props.session, 'manage')}
          onAction={(f, a) => void act(f, a)}
          onOpen={(f, v) => open(f, v)}
          onCreate={async (name, workspace) => {
            await optagon!.call('frame_create', { name, workspace });
            await loadFrames();
          }}
        />
        <section className="tabs">
          <nav className="tab-bar" role="tablist">
            {tabs.map((t) => (
              <span key={t.id} className={`tab ${t.id === active ? 'active' : ''}`}>
                <button role="tab" aria-selected={t.id === active} onClick={() => setActive(t.id)}>
                  {t.label}
                </button>
                <button aria-label={`close ${t.label}`} onClick={() => close(t.id)}>
                  ×
                </button>
              </span>
            ))}
          </nav>
          {!tabs.length && <p className="muted empty">open a frame's terminal, details or logs</p>}
          {tabs.map((t) =>
            t.kind === 'terminal' ? (
              <TerminalPane
                key={t.id}
                id={t.id}
                target={{ frame: t.frame, ...(t.windowId ? { windowId: t.windowId } : {}) }}
                jwt={() => jwt.current}
                visible={t.id === active}
                reauth={reauth}
                onSessionEnded={props.onEnded}
              />
            ) : t.id !== active || !optagon ? null : t.kind === 'logs' ? (
              <LogsView key={t.id} frame={t.frame} optagon={optagon} />
            ) : t.kind === 'review' ? (
              <AgentReview
                key={t.id}
                agent={`${t.frame}/${t.agent}`}
                optagon={optagon}
                canWrite={may(props.session, 'write')}
                canManage={may(props.session, 'manage')}
                onOpenWindow={(w, label) => frameOf(t.frame) && open(frameOf(t.frame)!, 'terminal', w, label)}
              />
            ) : frameOf(t.frame) ? (
              <FrameDetails
                key={t.id}
                frame={frameOf(t.frame)!}
                history={history.current.get(frameOf(t.frame)!.id) ?? []}
                optagon={optagon}
                canWrite={may(props.session, 'write')}
                onOpenWindow={(w, label) => open(frameOf(t.frame)!, 'terminal', w, label)}
                onReview={(agent) => open(frameOf(t.frame)!, 'review', agent, `${t.frame}/${agent} review`)}
              />
            ) : (
              <p key={t.id} className="muted">
                frame {t.frame} is gone
              </p>
            ),
          )}
        </section>
      </div>
    </div>
  );
}
