import parseDiff from 'parse-diff';
import { Fragment, useCallback, useEffect, useMemo, useState } from 'react';
import type { OptagonResults } from '../../../host/tool-results';
import { highlightLine, languageOf } from './highlight';
import type { Optagon } from './optagon';

type Status = OptagonResults['agent_status']['agent'];
type Diff = OptagonResults['agent_diff'];
/** A line a comment is about: the file as agent_diff names it, and its line number in the new version (the old, for a removed line). */
type Spot = { file: string; line: number; key: string };

const STATUS_EVERY_MS = 3000;

/**
 * An agent's review page: its state and window, its diff (files, hunks, highlighted), comments on
 * a line that go to the agent as its next message, and Checkpoint / Merge / Discard as the
 * session's permissions allow. The diff is the frame's text, shown as text.
 */
export function AgentReview(props: {
  agent: string;
  optagon: Optagon;
  canWrite: boolean;
  canManage: boolean;
  onOpenWindow(windowId: string, label: string): void;
}) {
  const { optagon, agent } = props;
  const [status, setStatus] = useState<Status>();
  const [diff, setDiff] = useState<Diff>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [spot, setSpot] = useState<Spot>();
  const [comment, setComment] = useState('');
  const [sent, setSent] = useState<Record<string, string[]>>({});
  const [strategy, setStrategy] = useState<'merge' | 'squash' | 'rebase'>('merge');

  const loadDiff = useCallback(async () => {
    try {
      setDiff(await optagon.call('agent_diff', { agent }));
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [optagon, agent]);

  // The state every few seconds; the diff when the agent's turn ends (and on Refresh, after an action).
  useEffect(() => {
    let live = true;
    let last: string | undefined;
    const poll = () =>
      optagon.call('agent_status', { agent }).then(
        ({ agent: s }) => {
          if (!live) return;
          setStatus(s);
          if (s.worktree && s.state !== last && s.state !== 'working') void loadDiff();
          last = s.state;
        },
        (err: Error) => live && setError(err.message),
      );
    void poll();
    const timer = setInterval(poll, STATUS_EVERY_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [optagon, agent, loadDiff]);

  const files = useMemo(() => (diff?.patch ? parseDiff(diff.patch) : []), [diff?.patch]);

  const act = async (what: string, run: () => Promise<string>) => {
    setBusy(true);
    setNote(`${what}…`);
    try {
      setNote(await run());
      setError(undefined);
    } catch (err) {
      setNote(undefined);
      setError(`${what}: ${(err as Error).message}`);
    } finally {
      setBusy(false);
      await loadDiff();
    }
  };
  const checkpoint = () =>
    act('checkpoint', async () => {
      const r = await optagon.call('agent_checkpoint', { agent });
      return r.commit ? `checkpoint ${r.commit.slice(0, 12)} on ${r.branch}` : 'nothing new to checkpoint';
    });
  const merge = () =>
    act('merge', async () => {
      const r = await optagon.call('agent_merge', { agent, strategy });
      return r.status === 'merged'
        ? `merged into ${r.into} as ${r.commit!.slice(0, 12)}`
        : `conflicts with ${r.into} in ${r.files.join(', ')}: nothing was changed; ask the agent to rebase`;
    });
  const discard = () => {
    if (!confirm(`Discard ${agent}'s work? Its work tree and branch ${status?.worktree?.branch} are deleted.`)) return;
    void act('discard', async () => {
      await optagon.call('agent_discard', { agent, confirm: true });
      return 'discarded: its work tree and branch are gone';
    });
  };
  const send = async () => {
    if (!spot || !comment.trim()) return;
    const text = comment.trim();
    setBusy(true);
    try {
      await optagon.call('agent_comment', { agent, file: spot.file, line: spot.line, text });
      setSent((s) => ({ ...s, [spot.key]: [...(s[spot.key] ?? []), text] }));
      setComment('');
      setSpot(undefined);
      setNote(`comment sent to ${agent}`);
      setError(undefined);
    } catch (err) {
      setError(`comment: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  const worktree = status?.worktree;
  return (
    <section className="review">
      <h2>{agent}</h2>
      <p className="muted">
        {status ? <span className={`agent-state agent-${status.state}`}>{status.state}</span> : 'loading…'}
        {worktree && (
          <>
            {' '}
            on {worktree.branch}
            {diff ? ` against ${diff.base.slice(0, 12)}` : ''}
          </>
        )}
      </p>
      <div className="review-actions">
        {status?.window && <button onClick={() => props.onOpenWindow(status.window!, agent)}>Open window</button>}
        <button onClick={() => void loadDiff()} disabled={busy || !worktree}>
          Refresh
        </button>
        {props.canWrite && worktree && (
          <>
            <button onClick={() => void checkpoint()} disabled={busy}>
              Checkpoint
            </button>
            <select aria-label="merge strategy" value={strategy} onChange={(e) => setStrategy(e.target.value as never)}>
              <option value="merge">merge commit</option>
              <option value="squash">squash</option>
              <option value="rebase">rebase</option>
            </select>
            <button onClick={() => void merge()} disabled={busy}>
              Merge
            </button>
          </>
        )}
        {props.canManage && worktree && (
          <button className="danger" onClick={discard} disabled={busy}>
            Discard
          </button>
        )}
      </div>
      {note && (
        <p className="notice" role="status">
          {note}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {status && !worktree && (
        <p className="muted">this agent works in /workspace itself (workspace: shared): it has no diff of its own</p>
      )}
      {diff && !diff.files.length && <p className="muted">no changes yet</p>}
      {diff && diff.checkpoints.length > 0 && (
        <details className="checkpoints">
          <summary>
            {diff.checkpoints.length} commit{diff.checkpoints.length === 1 ? '' : 's'} on its branch
          </summary>
          <ul>
            {diff.checkpoints.map((c) => (
              <li key={c.commit}>
                <code>{c.commit.slice(0, 12)}</code> {c.subject}
              </li>
            ))}
          </ul>
        </details>
      )}
      {files.map((f) => {
        const path = (f.to && f.to !== '/dev/null' ? f.to : f.from) ?? '?';
        const language = languageOf(path);
        return (
          <details key={path} className="diff-file" open>
            <summary>
              <span className="diff-path">{path}</span> <span className="added">+{f.additions}</span>{' '}
              <span className="removed">−{f.deletions}</span>
            </summary>
            <div className="diff-scroll">
              <table className="diff">
                <tbody>
                  {f.chunks.map((chunk, c) => (
                    <Fragment key={c}>
                      <tr className="hunk">
                        <td colSpan={3}>{chunk.content}</td>
                      </tr>
                      {chunk.changes.map((change, i) => {
                        const oldLine =
                          change.type === 'normal' ? change.ln1 : change.type === 'del' ? change.ln : undefined;
                        const newLine =
                          change.type === 'normal' ? change.ln2 : change.type === 'add' ? change.ln : undefined;
                        const line = newLine ?? oldLine ?? 1;
                        const key = `${path}:${c}:${i}`;
                        const code = change.content.slice(1);
                        return (
                          <Fragment key={key}>
                            <tr
                              className={`line ${change.type}`}
                              data-line={line}
                              onClick={() => props.canWrite && setSpot({ file: path, line, key })}
                            >
                              <td className="ln">{oldLine ?? ''}</td>
                              <td className="ln">{newLine ?? ''}</td>
                              {language ? (
                                <td
                                  className="code hljs"
                                  // highlight.js escapes the text it marks up (see highlight.ts).
                                  dangerouslySetInnerHTML={{ __html: highlightLine(code, language) }}
                                />
                              ) : (
                                <td className="code">{code}</td>
                              )}
                            </tr>
                            {(sent[key] ?? []).map((text, n) => (
                              <tr key={n} className="sent-comment">
                                <td colSpan={3}>comment sent: {text}</td>
                              </tr>
                            ))}
                            {spot?.key === key && (
                              <tr className="comment-row">
                                <td colSpan={3}>
                                  <textarea
                                    aria-label={`comment on ${path} line ${line}`}
                                    value={comment}
                                    autoFocus
                                    onChange={(e) => setComment(e.target.value)}
                                  />
                                  <button onClick={() => void send()} disabled={busy || !comment.trim()}>
                                    Send to agent
                                  </button>
                                  <button onClick={() => setSpot(undefined)}>Cancel</button>
                                </td>
                              </tr>
                            )}
                          </Fragment>
                        );
                      })}
                    </Fragment>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        );
      })}
      {diff?.truncated && (
        <p className="notice">
          the diff is cut at {diff.patch.length} of {diff.bytes} bytes; optagon agent diff --json gives it all
        </p>
      )}
      {props.canWrite && worktree && files.length > 0 && (
        <p className="muted">tap a line to comment on it: the comment goes to the agent as its next message</p>
      )}
    </section>
  );
}
