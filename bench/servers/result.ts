/**
 * One line of the server benchmark table: a test, our figure, the peer's,
 * the ratio and the target.
 */

/** A measured comparison between our server and its peer. */
export interface ServerResult {
  /** "resp", "http" or "smtp". */
  server: string;
  /** What was measured, e.g. "SET -P 16" or "1 KiB messages, reused sessions". */
  test: string;
  /** The unit of `ours` and `peer`, e.g. "requests/s". */
  unit: string;
  ours: number;
  peer: number;
  /** The peer's name, e.g. "redis-server". */
  peerName: string;
  /** ours / peer. */
  ratio: number;
  /** The target ratio, if there is one. */
  target?: number;
  /** Peak resident memory of each server over the whole row, bytes. */
  oursPeakRss: number | null;
  peerPeakRss: number | null;
  /** Every run's figures, for the record. */
  runs: { ours: number[]; peer: number[] };
  /** A line printed under the table, e.g. which side set the pace. */
  note?: string;
}

/** A row that could not run, and why. */
export interface SkippedRow {
  server: string;
  skipped: string;
}
