/**
 * A small deterministic force layout (Fruchterman–Reingold with a cooling schedule): linked nodes
 * pull together, all nodes push apart. Deterministic so that the console and the PDF of the same
 * graph look the same, and an investigator's screenshot matches the exported evidence.
 */

export const layoutWidth = 1000;
export const layoutHeight = 700;

const ITERATIONS = 220;

export function layoutGraph(
  nodes: { id: string; depth: number; x: number; y: number }[],
  edges: { from: string; to: string }[],
): void {
  const n = nodes.length;
  if (n === 0) return;
  const index = new Map(nodes.map((node, i) => [node.id, i]));
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  // Start on rings by depth, so the start sits in the middle and the walk unrolls outwards.
  const perDepth = new Map<number, number>();
  const seenAtDepth = new Map<number, number>();
  for (const node of nodes) perDepth.set(node.depth, (perDepth.get(node.depth) ?? 0) + 1);
  nodes.forEach((node, i) => {
    const k = seenAtDepth.get(node.depth) ?? 0;
    seenAtDepth.set(node.depth, k + 1);
    const angle = (2 * Math.PI * k) / (perDepth.get(node.depth) ?? 1) + node.depth * 0.7;
    const radius = node.depth * 90;
    x[i] = Math.cos(angle) * radius;
    y[i] = Math.sin(angle) * radius;
  });
  const links = edges
    .map((e) => [index.get(e.from), index.get(e.to)] as const)
    .filter((l): l is readonly [number, number] => l[0] !== undefined && l[1] !== undefined);
  const area = layoutWidth * layoutHeight;
  const k = Math.sqrt(area / n) * 0.6;
  const dx = new Float64Array(n);
  const dy = new Float64Array(n);
  let temperature = layoutWidth / 8;
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    dx.fill(0);
    dy.fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let ddx = x[i] - x[j];
        let ddy = y[i] - y[j];
        let distance = Math.hypot(ddx, ddy);
        if (distance < 0.01) {
          // Coincident nodes: push apart along a fixed direction (no randomness).
          ddx = ((i * 7 + j * 13) % 11) - 5 || 1;
          ddy = ((i * 5 + j * 3) % 7) - 3 || 1;
          distance = Math.hypot(ddx, ddy);
        }
        const force = (k * k) / distance;
        dx[i] += (ddx / distance) * force;
        dy[i] += (ddy / distance) * force;
        dx[j] -= (ddx / distance) * force;
        dy[j] -= (ddy / distance) * force;
      }
    }
    for (const [a, b] of links) {
      const ddx = x[a] - x[b];
      const ddy = y[a] - y[b];
      const distance = Math.max(0.01, Math.hypot(ddx, ddy));
      const force = (distance * distance) / k;
      dx[a] -= (ddx / distance) * force;
      dy[a] -= (ddy / distance) * force;
      dx[b] += (ddx / distance) * force;
      dy[b] += (ddy / distance) * force;
    }
    for (let i = 0; i < n; i++) {
      // A weak pull to the centre keeps disconnected parts on the page.
      dx[i] -= x[i] * 0.02 * k;
      dy[i] -= y[i] * 0.02 * k;
      const length = Math.hypot(dx[i], dy[i]);
      if (length > 0) {
        const step = Math.min(length, temperature);
        x[i] += (dx[i] / length) * step;
        y[i] += (dy[i] / length) * step;
      }
    }
    temperature *= 0.97;
  }
  // Fit into the box with a margin.
  let minX = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, x[i]);
    maxX = Math.max(maxX, x[i]);
    minY = Math.min(minY, y[i]);
    maxY = Math.max(maxY, y[i]);
  }
  const margin = 60;
  const scale = Math.min(
    (layoutWidth - 2 * margin) / Math.max(1, maxX - minX),
    (layoutHeight - 2 * margin) / Math.max(1, maxY - minY),
  );
  const offsetX = (layoutWidth - (maxX - minX) * scale) / 2;
  const offsetY = (layoutHeight - (maxY - minY) * scale) / 2;
  nodes.forEach((node, i) => {
    node.x = Math.round((x[i] - minX) * scale + offsetX);
    node.y = Math.round((y[i] - minY) * scale + offsetY);
  });
}
