// Kept only for controller/commands/release.ts, which imports realTimers from here: the timers live
// in controller/aws/timers.ts and the --tps parser in controller/cli/tps-option.ts. Import from those.
export { realTimers } from '../aws/timers.js';
export { parseTpsOption } from '../cli/tps-option.js';
