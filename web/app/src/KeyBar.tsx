export interface Modifiers {
  ctrl: boolean;
  alt: boolean;
}

const KEYS: Array<[string, string]> = [
  ['Esc', '\x1b'],
  ['Tab', '\t'],
  ['←', '\x1b[D'],
  ['↑', '\x1b[A'],
  ['↓', '\x1b[B'],
  ['→', '\x1b[C'],
];

/**
 * The keys a phone keyboard lacks. Ctrl and Alt latch: they apply to the next key typed (Ctrl then
 * `c` is Ctrl-C), then let go.
 */
export function KeyBar(props: {
  modifiers: Modifiers;
  onModifiers(m: Modifiers): void;
  send(data: string): void;
  paste(): void;
}) {
  const m = props.modifiers;
  // Buttons keep the focus in the terminal: pointerdown's default would take it.
  const keep = (e: React.PointerEvent) => e.preventDefault();
  return (
    <div className="key-bar" role="toolbar" aria-label="terminal keys">
      {KEYS.slice(0, 2).map(([label, data]) => (
        <button key={label} onPointerDown={keep} onClick={() => props.send(data)}>
          {label}
        </button>
      ))}
      <button
        aria-pressed={m.ctrl}
        className={m.ctrl ? 'latched' : ''}
        onPointerDown={keep}
        onClick={() => props.onModifiers({ ...m, ctrl: !m.ctrl })}
      >
        Ctrl
      </button>
      <button
        aria-pressed={m.alt}
        className={m.alt ? 'latched' : ''}
        onPointerDown={keep}
        onClick={() => props.onModifiers({ ...m, alt: !m.alt })}
      >
        Alt
      </button>
      {KEYS.slice(2).map(([label, data]) => (
        <button key={label} aria-label={label} onPointerDown={keep} onClick={() => props.send(data)}>
          {label}
        </button>
      ))}
      <button onPointerDown={keep} onClick={props.paste}>
        Paste
      </button>
    </div>
  );
}
