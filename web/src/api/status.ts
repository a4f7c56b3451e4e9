/**
 * `GET /api/status` is the gateway's own endpoint, not one of the services' (the merged OpenAPI document, and
 * so `schema.d.ts`, holds only theirs): its types are written here by hand.
 */
import { api } from './client';

/** Readiness of one backend service as seen by the gateway. */
export type ServiceState = 'ready' | 'not_ready' | 'unreachable';

export interface ServiceStatus {
  name: string;
  status: ServiceState;
  /** Per-dependency results reported by the service, e.g. `{database: "ok"}`. */
  checks?: Record<string, string>;
  /** Round-trip time of the gateway's readiness probe. */
  latency_ms?: number;
  /** Why the service is not ready / could not be reached. */
  error?: string;
}

export interface StatusResponse {
  gateway: string;
  services: ServiceStatus[];
}

export const STATUS_PATH = '/api/status';

export function getStatus(signal?: AbortSignal): Promise<StatusResponse> {
  return api.get<StatusResponse>(STATUS_PATH, { signal });
}
