/** Shapes of the API answers the dashboard reads (mirrors packages/api and the deploy API contract). */

export interface AppSummary {
  name: string;
  status: string | null;
  url: string | null;
  domains: string[];
  currentDeployment:
    | { id: string; status?: string; commitSha?: string | null; branch?: string | null }
    | string
    | null;
  replicas: number | null;
  lastDeployAt: string | null;
}

export interface Deployment {
  id: string;
  status: string;
  source: string | null;
  branch: string | null;
  commitSha: string | null;
  image: string | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  environment: string | null;
  trigger?: string | null;
  url?: string | null;
}

export interface EnvVar {
  key: string;
  value: string | null;
  secret: boolean;
  environment: string | null;
}

export interface Domain {
  host: string;
  createdAt: string;
  tls: {
    status: string;
    issuer: string;
    notAfter: string;
    lastError: string | null;
  } | null;
}

export interface Environment {
  name: string;
  branch?: string | null;
  url?: string | null;
  status?: string | null;
  host?: string | null;
  createdAt?: string | null;
}
