/** How a frame's setup went, as the frames tools answer it. Import-free: the page bundles it. */
export interface SetupOutcome {
  state: 'running' | 'succeeded' | 'failed';
  exitCode?: number;
  step?: number;
}

/** "failed at step 2 (exit 7)", "succeeded", "running": how the setup went, in words. */
export function setupOutcome<S extends SetupOutcome>(s: S): string {
  if (s.state !== 'failed') return s.state;
  const where = s.step !== undefined ? ` at step ${s.step}` : '';
  const exit = s.exitCode !== undefined ? ` (exit ${s.exitCode})` : '';
  return `failed${where}${exit}`;
}
