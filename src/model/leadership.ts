// Whether this daemon may write to Marathon: one answer for the whole daemon, given by leader
// election (src/ha/leader.ts) when several daemons share a database, always yes alone.

/** Whether this daemon may write to Marathon now (leader election; always true alone). */
export interface Leadership {
  /** Confirms leadership right before a write; false when another daemon leads. */
  canWrite(): Promise<boolean>;
  /** Told when this daemon gains or loses leadership; returns an unsubscribe function. */
  subscribe?(listener: (leader: boolean) => void): () => void;
}

export const ALWAYS_LEADER: Leadership = { canWrite: async () => true };
