// Only for src/commands/context.ts, which another change of issue #25 is rewriting: it imports
// these from here until it imports ../vocabulary/errors instead. Nothing else may.
export { HotpathError, isCancelled, messageOf } from '../vocabulary/errors';
