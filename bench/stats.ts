/** The median of some figures (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
}

/** The mean of some figures. */
export function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Each round's rate in thousands a second, `perRequest` items a request (a batch's size): "375, 371, …". */
export function thousandsPerRound(runs: { rps: number }[], perRequest: number): string {
  return runs.map((r) => Math.round((r.rps * perRequest) / 1000)).join(', ');
}

/** Each round's rate over the reference's rate measured in the round beside it. */
export function roundRatios(runs: { rps: number }[], references: { rps: number }[]): number[] {
  return runs.map((r, i) => r.rps / references[i].rps);
}

/** Ratios of alternating rounds as printed: "median 0.91, 0.82–1.03". */
export function medianAndRange(ratios: number[]): string {
  const sorted = [...ratios].sort((x, y) => x - y);
  return `median ${median(sorted).toFixed(2)}, ${sorted[0].toFixed(2)}–${sorted[sorted.length - 1].toFixed(2)}`;
}
