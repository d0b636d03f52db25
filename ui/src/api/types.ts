// Shapes of the control plane's answers (docs/api.md). Resources are in wire form: the
// same objects a user would `kubectl apply`, camelCase, with server-set metadata/status.

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Resource<Spec = Record<string, unknown>, Status = Record<string, unknown>> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status & { conditions?: Condition[]; observedGeneration?: number };
}

export interface List<T> {
  items: T[];
}

export interface Session {
  id: string;
  user_id: string;
  agent_namespace: string | null;
  agent_name: string | null;
  name: string | null;
  created_at: string;
  updated_at: string;
}

export interface SessionEvent {
  id: number;
  session_id: string;
  seq: number;
  event_id: string | null;
  type: string | null;
  data: Record<string, unknown>;
  created_at: string;
}

export interface Task {
  id: string;
  session_id: string | null;
  user_id: string;
  agent_namespace: string | null;
  agent_name: string | null;
  state: string;
  task: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface DiscoveredTool {
  name: string;
  description: string;
  server_kind: string;
  server_namespace: string;
  server_name: string;
}

export interface UsageGroup {
  agent_namespace: string | null;
  agent_name: string | null;
  user_id: string | null;
  model: string | null;
  turns: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

export interface Usage {
  since: string;
  until: string;
  group_by: string[];
  groups: UsageGroup[];
}

export function condition(obj: Resource, type: string): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}
