/**
 * The MCP annotations our tools carry, one preset for each kind of call. All four hints are always
 * given: the SDK's defaults (destructive, open-world) are wrong for most of our tools.
 */
const hints = (readOnlyHint: boolean, destructiveHint: boolean, idempotentHint: boolean, openWorldHint: boolean) =>
  ({ readOnlyHint, destructiveHint, idempotentHint, openWorldHint }) as const;

/** Reads Optagon's own state (list, get, status); asking again answers the same. */
export const READS = hints(true, false, true, false);
/** Reads a measure that moves between calls (CPU, memory). */
export const SAMPLES = hints(true, false, false, false);
/** Reads the world outside Optagon (a web page, its console). */
export const LOOKS = hints(true, false, true, true);
/** Does something that a second call does again (types, spawns, sends, starts). */
export const ACTS = hints(false, false, false, false);
/** Acts on the world outside Optagon (a web page, a model's API). */
export const ACTS_OUTSIDE = hints(false, false, false, true);
/** Brings something to a state; a second call changes nothing (sets a config, opens a tab). */
export const SETS = hints(false, false, true, false);
/** SETS, reaching outside Optagon to do it (an image build pulls from registries). */
export const SETS_OUTSIDE = hints(false, false, true, true);
/** Ends or empties something; a second call finds nothing more to end (stop, cancel, clear). */
export const ENDS = hints(false, true, true, false);
/** Removes something for good; a second call finds it gone (destroy, delete, kill a window). */
export const REMOVES = hints(false, true, false, false);
