import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { KeyBar, type Modifiers } from './KeyBar';
import { TerminalSocket, type TerminalState, type TerminalTarget } from './terminal-socket';

declare global {
  interface Window {
    /** The open terminals' text, by tab id: for debugging and the end-to-end tests. */
    optagonScreens?: Map<string, () => string>;
  }
}

/** The current screen as text. */
function screenText(term: Terminal): string {
  const buf = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < term.rows; i++) lines.push(buf.getLine(buf.viewportY + i)?.translateToString(true) ?? '');
  return lines.join('\n');
}

/**
 * One terminal tab: xterm.js (the WebGL renderer once idle, the DOM one before and when WebGL is lost), fitted to
 * its box, over the daemon's terminal WebSocket; a key bar for touch screens. Ctrl+Shift+C/V copy
 * and paste (Ctrl+C stays the terminal's).
 */
export function TerminalPane(props: {
  id: string;
  target: TerminalTarget;
  jwt: () => string;
  visible: boolean;
  reauth: number;
  onSessionEnded(message: string): void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const socket = useRef<TerminalSocket | undefined>(undefined);
  const termRef = useRef<Terminal | undefined>(undefined);
  const modifiers = useRef<Modifiers>({ ctrl: false, alt: false });
  const [state, setState] = useState<TerminalState>({ kind: 'connecting' });
  const [, redraw] = useState(0);

  useEffect(() => {
    const term = new Terminal({
      cursorBlink: true,
      fontSize: 14,
      scrollback: 5000,
      fontFamily: 'ui-monospace, Menlo, Consolas, monospace',
      theme: { background: '#0b0d10' },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(box.current!);
    // The DOM renderer draws the first screen; WebGL (faster for floods, ~100 ms to start) takes over
    // once that screen is up and the browser idle, loaded as a chunk of its own. On context loss,
    // back to the DOM.
    let disposed = false;
    let webglAsked = false;
    const loadWebgl = () => {
      if (webglAsked) return;
      webglAsked = true;
      const idle = window.requestIdleCallback ?? ((f: () => void) => setTimeout(f, 200));
      idle(
        () =>
          void import('@xterm/addon-webgl').then(({ WebglAddon }) => {
            if (disposed) return;
            try {
              const webgl = new WebglAddon();
              webgl.onContextLoss(() => webgl.dispose());
              term.loadAddon(webgl);
            } catch {
              // no WebGL here: the DOM renderer goes on
            }
          }),
      );
    };
    termRef.current = term;
    const s = new TerminalSocket({
      target: props.target,
      jwt: props.jwt,
      size: () => ({ cols: term.cols, rows: term.rows }),
      write: (data, rendered) =>
        term.write(data, () => {
          rendered();
          loadWebgl();
        }),
      reset: () => term.reset(),
      onState: setState,
      onSessionEnded: props.onSessionEnded,
    });
    socket.current = s;
    term.onData((data) => {
      const m = modifiers.current;
      let out = data;
      if (m.ctrl && data.length === 1) out = String.fromCharCode(data.toUpperCase().charCodeAt(0) & 0x1f);
      if (m.alt) out = `\x1b${out}`;
      if (m.ctrl || m.alt) {
        modifiers.current = { ctrl: false, alt: false };
        redraw((n) => n + 1);
      }
      s.send(out);
    });
    term.onResize(({ cols, rows }) => s.resize(cols, rows));
    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
      if (e.key === 'C' && term.hasSelection()) void navigator.clipboard.writeText(term.getSelection());
      else if (e.key === 'V') void navigator.clipboard.readText().then((t) => term.paste(t));
      else return true;
      return false;
    });
    const observer = new ResizeObserver(() => box.current?.offsetParent && fit.fit());
    observer.observe(box.current!);
    fit.fit();
    window.optagonScreens ??= new Map();
    window.optagonScreens.set(props.id, () => screenText(term));
    return () => {
      disposed = true;
      observer.disconnect();
      s.close();
      term.dispose();
      window.optagonScreens?.delete(props.id);
    };
    // The tab's target never changes; a new target is a new tab.
  }, []);

  useEffect(() => {
    if (props.reauth) socket.current?.reauth();
  }, [props.reauth]);
  useEffect(() => {
    if (props.visible) termRef.current?.focus();
  }, [props.visible]);

  return (
    <div className="terminal-pane" style={{ display: props.visible ? 'flex' : 'none' }} data-tab={props.id}>
      <div className="terminal-status" data-state={state.kind}>
        {state.kind === 'connecting' && 'connecting…'}
        {state.kind === 'attached' && (state.readOnly ? 'read-only' : '')}
        {state.kind === 'reconnecting' && `connection lost; reconnecting in ${Math.round(state.inMs / 100) / 10} s…`}
        {state.kind === 'ended' && (
          <>
            {state.message} <button onClick={() => socket.current?.reattach()}>Reattach</button>
          </>
        )}
      </div>
      <div className="terminal-box" ref={box} />
      <KeyBar
        modifiers={modifiers.current}
        onModifiers={(m) => {
          modifiers.current = m;
          redraw((n) => n + 1);
          termRef.current?.focus();
        }}
        send={(data) => {
          socket.current?.send(data);
          termRef.current?.focus();
        }}
        paste={async () => termRef.current?.paste(await navigator.clipboard.readText())}
      />
    </div>
  );
}
