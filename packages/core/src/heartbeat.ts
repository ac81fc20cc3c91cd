/**
 * Calls `beat` every `periodMs`, one call at a time (a slow beat delays the next instead of
 * overlapping it), until stopped. A beat that throws ends the heartbeat; the error is kept
 * for the owner to read (`failure`), as losing a lease is the owner's decision to act on.
 */
export interface Heartbeat {
  /** stops beating and waits for a beat in flight */
  stop(): Promise<void>;
  /** the error that ended it, if one did */
  failure(): unknown;
  beats(): number;
}

export function startHeartbeat(beat: () => Promise<void>, periodMs: number, onFailure?: (err: unknown) => void): Heartbeat {
  let chain = Promise.resolve();
  let failed: unknown;
  let count = 0;
  const timer = setInterval(() => {
    chain = chain.then(async () => {
      if (failed !== undefined) return;
      try {
        await beat();
        count++;
      } catch (err) {
        failed = err ?? new Error('heartbeat failed');
        clearInterval(timer);
        onFailure?.(err);
      }
    });
  }, periodMs);
  timer.unref?.();
  return {
    stop: async () => {
      clearInterval(timer);
      await chain;
    },
    failure: () => failed,
    beats: () => count,
  };
}
