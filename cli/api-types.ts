/** The registry's answers as the CLI reads them (DESIGN.md, "HTTP API"); fields it does not show are left out. */
import type { VersionView } from './registry-client.js';

export type { VersionView } from './registry-client.js';

export interface ModelSummary {
  name: string;
  description: string;
  owner: string;
  tags: Record<string, string>;
  state: string;
  createdAt: string;
  updatedAt: string;
}

export interface Model extends ModelSummary {
  maintainers: string[];
  properties: Record<string, unknown>;
  latestVersion: number;
  aliases: Record<string, number>;
  protectedAliases?: string[];
  createdBy: string;
  [key: string]: unknown;
}

export interface AliasMove {
  alias: string;
  at: string;
  actor: string;
  from: number | null;
  to: number | null;
}

export interface Experiment {
  id: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  createdAt: string;
}

export interface Run {
  id: string;
  experimentId: string;
  name: string;
  status: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  startTime: string;
  endTime: string | null;
  latestMetrics: Record<string, number>;
  modelVersions: Array<{ model: string; version: number }>;
  [key: string]: unknown;
}

export interface MetricPoint {
  value: number;
  step: number;
  timestamp: number;
}

export const totalSize = (version: Pick<VersionView, 'files'>) => version.files.reduce((a, f) => a + f.size, 0);
