/**
 * Configuration from environment variables, parsed once at startup by a pure
 * function so that every problem is reported in one message.
 */

export interface Config {
  nodeEnv: string;
  production: boolean;
  port: number;
  host: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /** Google Cloud project used to correlate logs with traces (optional). */
  traceProjectId: string | undefined;
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPostgresPort: number;
  allowEmbeddedPostgresInProduction: boolean;
  dbPoolMax: number;
  readinessTimeoutMs: number;
  maxDeliveryAttempts: number;
  ackDeadlineSeconds: number;
  leaseSeconds: number;
  shutdownGraceSeconds: number;
  bodyLimitBytes: number;
  /** Per-stage timeouts in seconds, in pipeline order. */
  stageTimeouts: StageTimeouts;
  renderConcurrency: number;
  storageDir: string;
  ffmpegPath: string | undefined;
  allowOfflineProviders: boolean;
  /** Test aid: the first N calls of a provider fail transiently. Never in production. */
  offlineFaults: Readonly<Record<string, number>>;
  /** Test and benchmark aid: every call of a provider first waits this many ms. Never in production. */
  offlineDelays: Readonly<Record<string, number>>;
  pushAuth: PushAuthConfig | undefined;
  /** Accounts allowed to read GET /v1/requests/{id} when push auth is on. */
  requestsApiAccounts: readonly string[];
  maxConcurrentDeliveries: number;
  maxEventLoopDelayMs: number;
  /** Set: the Google providers (Gemini, Cloud TTS, Cloud Storage) replace the offline ones. */
  google: GoogleConfig | undefined;
}

export interface GoogleConfig {
  projectId: string;
  location: string;
  model: string;
  bucket: string;
  /** languageCode → voice name; languages not listed get the API's default voice. */
  voices: Readonly<Record<string, string>>;
  vertexEndpoint: string | undefined;
  ttsEndpoint: string | undefined;
  storageEndpoint: string | undefined;
}

export interface PushAuthConfig {
  audience: string;
  serviceAccounts: readonly string[];
  certsUrl: string | undefined;
}

export const STAGES = ['understand', 'retrieve', 'script', 'narrate', 'render', 'publish'] as const;
export type StageName = (typeof STAGES)[number];
export type StageTimeouts = Readonly<Record<StageName, number>>;

/** Time a delivery needs besides its stages (claim, checkpoints, the final write, the response). */
export const PIPELINE_MARGIN_SECONDS = 30;

const timeoutVariable = (stage: StageName) => `STAGE_TIMEOUT_${stage.toUpperCase()}_SECONDS`;

type Kind =
  | { type: 'int'; min: number; max: number }
  | { type: 'string' }
  | { type: 'bool' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'url'; protocols: readonly string[] };

export interface VariableSpec {
  name: string;
  kind: Kind;
  default?: string;
  description: string;
}

/** Every variable the service reads. The README's configuration table mirrors this list (a test checks it). */
export const VARIABLES: readonly VariableSpec[] = [
  {
    name: 'NODE_ENV',
    kind: { type: 'string' },
    default: 'development',
    description:
      '`production` refuses embedded Postgres and other offline defaults unless explicitly allowed.',
  },
  {
    name: 'PORT',
    kind: { type: 'int', min: 0, max: 65535 },
    default: '8080',
    description: 'HTTP port (Cloud Run sets it).',
  },
  {
    name: 'HOST',
    kind: { type: 'string' },
    default: '0.0.0.0',
    description: 'Interface to listen on.',
  },
  {
    name: 'LOG_LEVEL',
    kind: { type: 'enum', values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] },
    default: 'info',
    description: 'pino log level.',
  },
  {
    name: 'GOOGLE_CLOUD_PROJECT',
    kind: { type: 'string' },
    description: 'Project id used to build `logging.googleapis.com/trace` from trace headers.',
  },
  {
    name: 'DATABASE_URL',
    kind: { type: 'url', protocols: ['postgres:', 'postgresql:'] },
    description:
      'Postgres connection string. Unset (outside production): embedded Postgres in `DATA_DIR`.',
  },
  {
    name: 'DATA_DIR',
    kind: { type: 'string' },
    default: '.data',
    description: 'Local state: the embedded Postgres cluster (`DATA_DIR/postgres`).',
  },
  {
    name: 'EMBEDDED_POSTGRES_PORT',
    kind: { type: 'int', min: 1, max: 65535 },
    default: '54329',
    description: 'Port of the embedded Postgres (loopback).',
  },
  {
    name: 'ALLOW_EMBEDDED_POSTGRES',
    kind: { type: 'bool' },
    default: 'false',
    description: 'Allow embedded Postgres when `NODE_ENV=production` (demos only).',
  },
  {
    name: 'DB_POOL_MAX',
    kind: { type: 'int', min: 1, max: 100 },
    default: '10',
    description:
      'Maximum connections per pool. The service opens two (claims and final states; asynchronously committed checkpoints), so up to twice this many.',
  },
  {
    name: 'READINESS_TIMEOUT_MS',
    kind: { type: 'int', min: 50, max: 10000 },
    default: '1000',
    description: 'How long `/health/ready` waits for the database.',
  },
  {
    name: 'MAX_DELIVERY_ATTEMPTS',
    kind: { type: 'int', min: 1, max: 100 },
    default: '5',
    description:
      "The subscription's dead-letter `maxDeliveryAttempts`: the last attempt marks the request `dead_lettered` before it nacks.",
  },
  {
    name: 'ACK_DEADLINE_SECONDS',
    kind: { type: 'int', min: 10, max: 600 },
    default: '600',
    description: "The push subscription's ack deadline; all stage timeouts must fit inside it.",
  },
  {
    name: 'LEASE_SECONDS',
    kind: { type: 'int', min: 2, max: 600 },
    default: '30',
    description: 'Lease a delivery holds on its request; renewed by a heartbeat every third of it.',
  },
  {
    name: 'SHUTDOWN_GRACE_SECONDS',
    kind: { type: 'int', min: 0, max: 600 },
    default: '8',
    description:
      'On SIGTERM, how long in-flight deliveries may finish before they are aborted (and nack). Cloud Run allows 10 s.',
  },
  {
    name: 'BODY_LIMIT_BYTES',
    kind: { type: 'int', min: 14_000_000, max: 64 * 1024 * 1024 },
    default: String(15 * 1024 * 1024),
    description:
      'Largest push body accepted (413 beyond). A 10 MB message is about 13.4 MB in its envelope, so it cannot go lower.',
  },
  ...(
    [
      ['understand', '30', 'the query → topic, concepts or clarifying questions'],
      ['retrieve', '10', 'full-text search of the OER corpus'],
      ['script', '90', 'writing the lesson'],
      ['narrate', '120', 'speech for every scene'],
      ['render', '180', 'slides and the MP4 encode'],
      ['publish', '60', 'storing artifacts and the result'],
    ] as const
  ).map(([stage, seconds, what]): VariableSpec => ({
    name: timeoutVariable(stage),
    kind: { type: 'int', min: 1, max: 600 },
    default: seconds,
    description: `Timeout of the \`${stage}\` stage (${what}). All stage timeouts plus ${PIPELINE_MARGIN_SECONDS} s must fit in \`ACK_DEADLINE_SECONDS\`.`,
  })),
  {
    name: 'RENDER_CONCURRENCY',
    kind: { type: 'int', min: 1, max: 16 },
    default: '1',
    description: 'Video encodes (ffmpeg child processes) run at once per instance.',
  },
  {
    name: 'STORAGE_DIR',
    kind: { type: 'string' },
    description: 'Where the offline storage keeps artifacts. Default: `DATA_DIR/storage`.',
  },
  {
    name: 'FFMPEG_PATH',
    kind: { type: 'string' },
    description:
      'ffmpeg binary. Default: `ffmpeg` on the PATH, else the one shipped by `@ffmpeg-installer/ffmpeg`.',
  },
  {
    name: 'ALLOW_OFFLINE_PROVIDERS',
    kind: { type: 'bool' },
    default: 'false',
    description:
      'Allow the offline lesson writer, speech and local storage when `NODE_ENV=production` (demos only).',
  },
  {
    name: 'OFFLINE_FAULTS',
    kind: { type: 'string' },
    description:
      'Test aid, refused in production: `provider=N,…` makes the first N calls of an offline provider (`writer`, `speech`, `encoder`, `storage`, `corpus`) fail transiently, to exercise retries end to end.',
  },
  {
    name: 'OFFLINE_DELAYS',
    kind: { type: 'string' },
    description:
      'Test and benchmark aid, refused in production: `provider=MS,…` makes every call of an offline provider wait MS milliseconds first (its stage deadline still applies), to hold deliveries open.',
  },
  {
    name: 'PUSH_AUTH_AUDIENCE',
    kind: { type: 'string' },
    description:
      "Turns push authentication on: every `POST /pubsub/push` must carry a Google-signed OIDC token with this audience (the push subscription's `--push-auth-token-audience`).",
  },
  {
    name: 'PUSH_AUTH_SERVICE_ACCOUNT',
    kind: { type: 'string' },
    description:
      "The push subscription's service account(s), comma-separated: the token's verified `email` must be one of them (403 otherwise). Required with `PUSH_AUTH_AUDIENCE`.",
  },
  {
    name: 'PUSH_AUTH_CERTS_URL',
    kind: { type: 'url', protocols: ['http:', 'https:'] },
    description:
      "Where the token signing certificates come from (default Google's). For private deployments and tests.",
  },
  {
    name: 'PUSH_AUTH_DISABLED',
    kind: { type: 'bool' },
    default: 'false',
    description:
      'Say so explicitly to run in production without push auth (relying on Cloud Run IAM alone).',
  },
  {
    name: 'REQUESTS_API_SERVICE_ACCOUNTS',
    kind: { type: 'string' },
    description:
      'With push auth on, the accounts (comma-separated) allowed to call `GET /v1/requests/{id}` with an OIDC token for the same audience. Default: the push accounts.',
  },
  {
    name: 'MAX_CONCURRENT_DELIVERIES',
    kind: { type: 'int', min: 1, max: 1000 },
    default: '80',
    description:
      "Deliveries in flight per instance (match Cloud Run's `--concurrency`); beyond it a push is refused at once with 503 (nack).",
  },
  {
    name: 'MAX_EVENT_LOOP_DELAY_MS',
    kind: { type: 'int', min: 0, max: 60000 },
    default: '1000',
    description:
      'Event-loop delay above which pushes are shed with 503 (0 turns the check off). Health routes are never shed.',
  },
  {
    name: 'GCP_PROJECT_ID',
    kind: { type: 'string' },
    description:
      'Selects the Google providers: Gemini on Vertex AI, Cloud Text-to-Speech, Cloud Storage (credentials from Application Default Credentials, checked at start).',
  },
  {
    name: 'VERTEX_LOCATION',
    kind: { type: 'string' },
    default: 'us-central1',
    description: 'Vertex AI region for Gemini.',
  },
  {
    name: 'GEMINI_MODEL',
    kind: { type: 'string' },
    default: 'gemini-2.5-flash',
    description: 'Gemini model for `understand` and `script`.',
  },
  {
    name: 'GCS_GENERATED_CONTENT_BUCKET',
    kind: { type: 'string' },
    description:
      'Bucket for artifacts (`gs://BUCKET/requests/{id}/…`). Required with `GCP_PROJECT_ID`.',
  },
  {
    name: 'TTS_VOICES',
    kind: { type: 'string' },
    description:
      'Voice per language, e.g. `en-US=en-US-Neural2-F,es-ES=es-ES-Neural2-A`; other languages get the default voice for their code.',
  },
  {
    name: 'VERTEX_API_ENDPOINT',
    kind: { type: 'url', protocols: ['http:', 'https:'] },
    description: 'Override of the Vertex AI base URL (private endpoints, tests).',
  },
  {
    name: 'TTS_API_ENDPOINT',
    kind: { type: 'url', protocols: ['http:', 'https:'] },
    description: 'Override of the Text-to-Speech endpoint (private endpoints, tests).',
  },
  {
    name: 'GCS_API_ENDPOINT',
    kind: { type: 'url', protocols: ['http:', 'https:'] },
    description: 'Override of the Cloud Storage endpoint (private endpoints, tests).',
  },
];

const FAULT_PROVIDERS = ['writer', 'speech', 'encoder', 'storage', 'corpus'];

/** `speech=2,writer=1` → { speech: 2, writer: 1 }; problems are reported, not thrown. */
export function parseFaults(
  text: string | undefined,
  errors: string[],
  variable = 'OFFLINE_FAULTS',
): Record<string, number> {
  const faults: Record<string, number> = {};
  for (const part of (text ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([a-z]+)=(\d+)$/.exec(part);
    if (!match || !FAULT_PROVIDERS.includes(match[1]!)) {
      errors.push(
        `${variable}: ${JSON.stringify(part)} is not provider=N with a provider among ${FAULT_PROVIDERS.join(', ')}`,
      );
      continue;
    }
    faults[match[1]!] = Number(match[2]);
  }
  return faults;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

type Env = Readonly<Record<string, string | undefined>>;
type Value = string | number | boolean | undefined;

function parseValue(spec: VariableSpec, raw: string): { value: Value } | { error: string } {
  const kind = spec.kind;
  switch (kind.type) {
    case 'int': {
      if (!/^-?\d+$/.test(raw))
        return { error: `${spec.name}=${JSON.stringify(raw)} is not a whole number` };
      const n = Number(raw);
      if (n < kind.min || n > kind.max)
        return { error: `${spec.name}=${n} is out of range ${kind.min}..${kind.max}` };
      return { value: n };
    }
    case 'bool': {
      const v = raw.toLowerCase();
      if (['true', '1', 'yes'].includes(v)) return { value: true };
      if (['false', '0', 'no'].includes(v)) return { value: false };
      return { error: `${spec.name}=${JSON.stringify(raw)} must be true or false` };
    }
    case 'enum':
      if (!kind.values.includes(raw))
        return {
          error: `${spec.name}=${JSON.stringify(raw)} must be one of ${kind.values.join(', ')}`,
        };
      return { value: raw };
    case 'url': {
      // Cloud SQL's unix-socket form has no host (`postgres://user:pw@/db?host=/cloudsql/...`): check it with one.
      const socketForm = /^([a-z]+:\/\/(?:[^@/]*@)?)\//;
      let url: URL;
      try {
        url = new URL(raw.replace(socketForm, '$1localhost/'));
      } catch {
        // Never echo a connection string: it may hold a password.
        return { error: `${spec.name} is not a valid URL` };
      }
      if (!kind.protocols.includes(url.protocol))
        return {
          error: `${spec.name} must start with ${kind.protocols.map((p) => p + '//').join(' or ')}`,
        };
      if (socketForm.test(raw) && !url.searchParams.get('host'))
        return {
          error: `${spec.name} has no host: give one, or a socket directory as ?host=/cloudsql/PROJECT:REGION:INSTANCE`,
        };
      return { value: raw };
    }
    case 'string':
      return { value: raw };
  }
}

/** Parses and cross-checks the environment. Pure: no I/O, no defaults taken from anywhere else. */
export function parseConfig(env: Env): ConfigResult {
  const errors: string[] = [];
  const values = new Map<string, Value>();
  for (const spec of VARIABLES) {
    const raw = env[spec.name];
    const text = raw === undefined || raw.trim() === '' ? spec.default : raw.trim();
    if (text === undefined) continue;
    const parsed = parseValue(spec, text);
    if ('error' in parsed) errors.push(parsed.error);
    else values.set(spec.name, parsed.value);
  }
  const str = (name: string): string | undefined => values.get(name) as string | undefined;
  const num = (name: string): number => values.get(name) as number;
  const bool = (name: string): boolean => values.get(name) as boolean;

  const nodeEnv = str('NODE_ENV') ?? 'development';
  const production = nodeEnv === 'production';
  if (production && str('DATABASE_URL') === undefined && !bool('ALLOW_EMBEDDED_POSTGRES')) {
    errors.push(
      'DATABASE_URL is required when NODE_ENV=production (embedded Postgres is for local runs; set ALLOW_EMBEDDED_POSTGRES=true to use it anyway)',
    );
  }
  if (errors.length === 0 && num('LEASE_SECONDS') >= num('ACK_DEADLINE_SECONDS')) {
    errors.push(
      `LEASE_SECONDS=${num('LEASE_SECONDS')} must be shorter than ACK_DEADLINE_SECONDS=${num('ACK_DEADLINE_SECONDS')}`,
    );
  }
  if (errors.length === 0) {
    const timeouts = STAGES.map((stage) => `${stage} ${num(timeoutVariable(stage))}`);
    const total =
      STAGES.reduce((sum, stage) => sum + num(timeoutVariable(stage)), 0) + PIPELINE_MARGIN_SECONDS;
    if (total > num('ACK_DEADLINE_SECONDS')) {
      errors.push(
        `stage timeouts (${timeouts.join(' + ')} s) plus the ${PIPELINE_MARGIN_SECONDS} s margin make ${total} s, more than ACK_DEADLINE_SECONDS=${num('ACK_DEADLINE_SECONDS')}: a delivery could outlive its ack deadline`,
      );
    }
  }
  const offlineFaults = parseFaults(str('OFFLINE_FAULTS'), errors);
  if (production && Object.keys(offlineFaults).length > 0)
    errors.push('OFFLINE_FAULTS is a test aid and is refused when NODE_ENV=production');
  const offlineDelays = parseFaults(str('OFFLINE_DELAYS'), errors, 'OFFLINE_DELAYS');
  if (production && Object.keys(offlineDelays).length > 0)
    errors.push('OFFLINE_DELAYS is a test aid and is refused when NODE_ENV=production');
  const list = (name: string): string[] =>
    (str(name) ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
  const audience = str('PUSH_AUTH_AUDIENCE');
  const pushAccounts = list('PUSH_AUTH_SERVICE_ACCOUNT');
  if (audience !== undefined && pushAccounts.length === 0)
    errors.push(
      "PUSH_AUTH_AUDIENCE is set but PUSH_AUTH_SERVICE_ACCOUNT is not: name the push subscription's service account",
    );
  if (audience !== undefined && bool('PUSH_AUTH_DISABLED'))
    errors.push('PUSH_AUTH_AUDIENCE and PUSH_AUTH_DISABLED=true contradict each other: choose one');
  if (production && audience === undefined && !bool('PUSH_AUTH_DISABLED')) {
    errors.push(
      'NODE_ENV=production needs a decision on push authentication: set PUSH_AUTH_AUDIENCE and PUSH_AUTH_SERVICE_ACCOUNT to verify the OIDC token Pub/Sub sends, or PUSH_AUTH_DISABLED=true if Cloud Run IAM (--no-allow-unauthenticated) alone guards the service',
    );
  }
  const projectId = str('GCP_PROJECT_ID');
  if (projectId !== undefined && str('GCS_GENERATED_CONTENT_BUCKET') === undefined) {
    errors.push(
      'GCP_PROJECT_ID is set but GCS_GENERATED_CONTENT_BUCKET is not: name the bucket for artifacts',
    );
  }
  const voices: Record<string, string> = {};
  for (const pair of list('TTS_VOICES')) {
    const [language, voice] = pair.split('=').map((x) => x.trim());
    if (!language || !voice)
      errors.push(`TTS_VOICES: ${JSON.stringify(pair)} is not language=voice`);
    else voices[language] = voice;
  }
  if (production && projectId === undefined && !bool('ALLOW_OFFLINE_PROVIDERS')) {
    errors.push(
      'NODE_ENV=production needs the Google providers (GCP_PROJECT_ID), or ALLOW_OFFLINE_PROVIDERS=true for a demo',
    );
  }
  if (errors.length > 0) return { ok: false, errors };

  return {
    ok: true,
    config: {
      nodeEnv,
      production,
      port: num('PORT'),
      host: str('HOST') ?? '0.0.0.0',
      logLevel: str('LOG_LEVEL') as Config['logLevel'],
      traceProjectId: str('GOOGLE_CLOUD_PROJECT'),
      databaseUrl: str('DATABASE_URL'),
      dataDir: str('DATA_DIR') ?? '.data',
      embeddedPostgresPort: num('EMBEDDED_POSTGRES_PORT'),
      allowEmbeddedPostgresInProduction: bool('ALLOW_EMBEDDED_POSTGRES'),
      dbPoolMax: num('DB_POOL_MAX'),
      readinessTimeoutMs: num('READINESS_TIMEOUT_MS'),
      maxDeliveryAttempts: num('MAX_DELIVERY_ATTEMPTS'),
      ackDeadlineSeconds: num('ACK_DEADLINE_SECONDS'),
      leaseSeconds: num('LEASE_SECONDS'),
      shutdownGraceSeconds: num('SHUTDOWN_GRACE_SECONDS'),
      bodyLimitBytes: num('BODY_LIMIT_BYTES'),
      stageTimeouts: Object.fromEntries(
        STAGES.map((stage) => [stage, num(timeoutVariable(stage))]),
      ) as Record<StageName, number>,
      renderConcurrency: num('RENDER_CONCURRENCY'),
      storageDir: str('STORAGE_DIR') ?? `${str('DATA_DIR') ?? '.data'}/storage`,
      ffmpegPath: str('FFMPEG_PATH'),
      allowOfflineProviders: bool('ALLOW_OFFLINE_PROVIDERS'),
      offlineFaults,
      offlineDelays,
      pushAuth:
        audience === undefined
          ? undefined
          : { audience, serviceAccounts: pushAccounts, certsUrl: str('PUSH_AUTH_CERTS_URL') },
      requestsApiAccounts:
        list('REQUESTS_API_SERVICE_ACCOUNTS').length > 0
          ? list('REQUESTS_API_SERVICE_ACCOUNTS')
          : pushAccounts,
      maxConcurrentDeliveries: num('MAX_CONCURRENT_DELIVERIES'),
      maxEventLoopDelayMs: num('MAX_EVENT_LOOP_DELAY_MS'),
      google:
        projectId === undefined
          ? undefined
          : {
              projectId,
              location: str('VERTEX_LOCATION') ?? 'us-central1',
              model: str('GEMINI_MODEL') ?? 'gemini-2.5-flash',
              bucket: str('GCS_GENERATED_CONTENT_BUCKET') ?? '',
              voices,
              vertexEndpoint: str('VERTEX_API_ENDPOINT'),
              ttsEndpoint: str('TTS_API_ENDPOINT'),
              storageEndpoint: str('GCS_API_ENDPOINT'),
            },
    },
  };
}

/** The one message printed when the service refuses to start. */
export function formatConfigErrors(errors: readonly string[]): string {
  return `content-worker: invalid configuration (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${errors.map((e) => `  - ${e}`).join('\n')}`;
}
