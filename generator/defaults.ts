/** Defaults shared by the CLI and the Lambda (kept apart so the CLI does not load the AWS SDK). */

/** Lines per file are drawn uniformly from [DEFAULT_MIN_EVENTS, DEFAULT_MAX_EVENTS], as the starter does. */
export const DEFAULT_MIN_EVENTS = 500_000;
export const DEFAULT_MAX_EVENTS = 750_000;
