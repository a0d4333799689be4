/** The cases API's shapes, as src/cases/routes.ts answers them. */
import type { Graph, GraphEdge, GraphNode as ServerGraphNode } from '../../../../src/cases/graph.ts';

// The case shapes are the server's own (type-only: nothing of the server is bundled).
export type {
  CaseDetail,
  CaseItem,
  CaseStatus,
  CaseSummary,
  SeizedItem,
  TimelineEvent,
} from '../../../../src/cases/types.ts';

/** A node of the link graph as the route answers it: the server's node, with its cell's location. */
export type GraphNode = ServerGraphNode & { location?: { lat: number; lon: number; region: string | null } };
export type { GraphEdge };

export interface LinkGraph extends Omit<Graph, 'nodes'> {
  nodes: GraphNode[];
}
