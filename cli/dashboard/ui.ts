// The terminal UIs, in one module the CLI imports lazily (Ink and React are not in its bundle).
export { runDashboard } from './app.js';
export { pickFrame } from './picker.js';
