/** The deployment files agree with the code: cloudbuild.yaml, the Dockerfile and the monitoring files. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  PIPELINE_MARGIN_SECONDS,
  STAGES,
  parseConfig,
  VARIABLES,
} from '../../src/config/config.js';
import { packageFile } from '../../src/config/package-root.js';
import { contractRoutes } from '../../src/contract/openapi.js';
import { PUSH_PATH } from '../../src/http/push-route.js';

interface Step {
  id: string;
  args: string[];
}
const build = parse(readFileSync(packageFile('cloudbuild.yaml'), 'utf8')) as {
  substitutions: Record<string, string>;
  steps: Step[];
};
const step = (id: string) => build.steps.find((s) => s.id === id)!;
const subst = (text: string) =>
  text
    .replace(/\$\{(_[A-Z_]+)\}/g, (_, name: string) => build.substitutions[name] ?? `<${name}>`)
    .replace(/\$\{PROJECT_ID\}/g, 'my-project');
const flag = (args: string[], name: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const deploy = step('deploy').args.map(subst);
const topology = subst(step('topology').args.at(-1)!);
const allSource = execFileSync(
  'cat',
  execFileSync('find', [packageFile('src'), '-name', '*.ts'], { encoding: 'utf8' })
    .trim()
    .split('\n'),
  { encoding: 'utf8' },
);
const source = execFileSync(
  'grep',
  ['-rhoE', '\'[a-z][a-z _-]+\'|"[a-z][a-z _-]+"', packageFile('src')],
  { encoding: 'utf8' },
);

function deployEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of flag(deploy, 'set-env-vars')!.split(',')) {
    const [k, v] = pair.split('=');
    env[k!] = v!;
  }
  for (const pair of flag(deploy, 'set-secrets')!.split(','))
    env[pair.split('=')[0]!] = 'postgres://from-secret-manager@127.0.0.1/db';
  return env;
}

describe('cloudbuild.yaml agrees with the code', () => {
  it("every env var the deploy sets is one the config knows, and with the image's NODE_ENV they make a valid production config", () => {
    const env = deployEnv();
    const known = VARIABLES.map((v) => v.name);
    for (const name of Object.keys(env)) expect(known, name).toContain(name);
    const dockerfile = readFileSync(packageFile('Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/NODE_ENV=production/);
    const parsed = parseConfig({ ...env, NODE_ENV: 'production', PORT: '8080' });
    expect(parsed.ok ? 'ok' : parsed.errors).toBe('ok');
    if (!parsed.ok) return;
    expect(parsed.config.google).toBeDefined();
    expect(parsed.config.pushAuth?.audience).toBe(build.substitutions._PUSH_AUDIENCE);
  });

  it("the push endpoint is the contract's push route, with the push auth the service verifies", () => {
    expect(contractRoutes()).toContain(`POST ${PUSH_PATH}`);
    expect(topology).toContain(`--push-endpoint=$\${URL}${PUSH_PATH}`);
    expect(topology).toContain(`--push-auth-token-audience=${build.substitutions._PUSH_AUDIENCE}`);
    expect(topology).toContain('--push-auth-service-account=$${PUSH_SA}');
  });

  it('max delivery attempts and the ack deadline agree with the config, and outlast the pipeline', () => {
    const defaults = parseConfig({});
    if (!defaults.ok) throw new Error('defaults');
    expect(Number(build.substitutions._MAX_DELIVERY_ATTEMPTS)).toBe(
      defaults.config.maxDeliveryAttempts,
    );
    expect(topology).toContain(
      `--max-delivery-attempts=${build.substitutions._MAX_DELIVERY_ATTEMPTS}`,
    );
    const ackDeadline = Number(build.substitutions._ACK_DEADLINE_SECONDS);
    expect(topology).toContain(`--ack-deadline=${ackDeadline}`);
    const pipelineTotal =
      STAGES.reduce((sum, s) => sum + defaults.config.stageTimeouts[s], 0) +
      PIPELINE_MARGIN_SECONDS;
    expect(ackDeadline).toBeGreaterThanOrEqual(pipelineTotal);
    expect(Number(flag(deploy, 'timeout'))).toBeGreaterThanOrEqual(ackDeadline);
    expect(deployEnv().ACK_DEADLINE_SECONDS).toBe(String(ackDeadline));
  });

  it('the dead-letter topology has its subscription and the IAM bindings it needs', () => {
    expect(topology).toContain(`--dead-letter-topic=${build.substitutions._DLQ_TOPIC}`);
    expect(topology).toMatch(
      /topics add-iam-policy-binding \S+ --member=serviceAccount:\$\$\{PUBSUB_AGENT\} --role=roles\/pubsub.publisher/,
    );
    expect(topology).toMatch(
      /subscriptions add-iam-policy-binding \S+ --member=serviceAccount:\$\$\{PUBSUB_AGENT\} --role=roles\/pubsub.subscriber/,
    );
    expect(topology).toContain('--role=roles/run.invoker');
    expect(topology).toContain(
      `subscriptions create ${build.substitutions._DLQ_SUBSCRIPTION} --topic=${build.substitutions._DLQ_TOPIC}`,
    );
  });

  it('the concurrency Cloud Run allows is the cap the service sheds at', () => {
    expect(deployEnv().MAX_CONCURRENT_DELIVERIES).toBe(flag(deploy, 'concurrency'));
    expect(deploy).toContain('--no-allow-unauthenticated');
  });

  it('the health probe paths exist', () => {
    const routes = contractRoutes();
    for (const probe of ['startup-probe', 'liveness-probe']) {
      const path = /httpGet\.path=([^,]+)/.exec(flag(deploy, probe)!)![1]!;
      expect(routes).toContain(`GET ${path}`);
    }
  });
});

describe('the Dockerfile agrees with the code', () => {
  const dockerfile = readFileSync(packageFile('Dockerfile'), 'utf8');
  it('is multi-stage on a BASE_IMAGE argument, runs as a non-root user, and starts the compiled JS in exec form', () => {
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=node:20-[a-z]+-slim$/m);
    expect(dockerfile.match(/^FROM \$\{BASE_IMAGE\}/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    // The image starts what `npm start` starts: the bundled service, with the same flags.
    const scripts = (
      JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(cmd[0]).toBe('node');
    expect(cmd.join(' ')).toBe(scripts.start);
    expect(dockerfile).toMatch(/ffmpeg/);
    expect(dockerfile).toContain('PORT=8080');
  });

  it('copies into the build stage every script `npm run build` runs', () => {
    const { scripts } = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const used = [...scripts.build!.matchAll(/node (scripts\/[\w.-]+)/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(0);
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      m[1]!.split(/\s+/),
    );
    for (const script of used) expect(copied, script).toContain(script);
    // ...and the build context has them: .dockerignore drops scripts/, except what it lets back in.
    const ignore = readFileSync(packageFile('.dockerignore'), 'utf8').split('\n');
    for (const script of used) {
      const dropped = ignore.some((line) => line === script || script.startsWith(`${line}/`));
      if (dropped) expect(ignore, script).toContain(`!${script}`);
    }
  });
});

describe('the monitoring agrees with the logs', () => {
  const metrics = readdirSync(packageFile('monitoring', 'metrics')).map(
    (f) =>
      parse(readFileSync(packageFile('monitoring', 'metrics', f), 'utf8')) as {
        name: string;
        filter: string;
        valueExtractor?: string;
        labelExtractors?: Record<string, string>;
      },
  );

  it('every log message a metric filters on is one the code writes', () => {
    for (const m of metrics) {
      for (const [, message] of m.filter.matchAll(/jsonPayload\.message="([^"]+)"/g))
        expect(source, `${m.name}: "${message}"`).toContain(message!);
    }
  });

  it('every field a metric extracts is one the code logs', () => {
    for (const m of metrics) {
      const fields = [m.valueExtractor, ...Object.values(m.labelExtractors ?? {})]
        .filter(Boolean)
        .map((e) => /jsonPayload\.([a-z_]+)/.exec(e!)![1]!);
      // A logged field appears in the source as an object key: `field:` or `{ field }`.
      for (const field of fields)
        expect(allSource, `${m.name}: ${field}`).toMatch(new RegExp(`[{,\\s]${field}[:,}]`));
    }
  });

  it('alerts and the dashboard name metrics that exist', () => {
    const names = new Set(metrics.map((m) => m.name));
    const files = [
      ...readdirSync(packageFile('monitoring', 'alerts')).map((f) =>
        packageFile('monitoring', 'alerts', f),
      ),
      packageFile('monitoring', 'dashboard.json'),
    ];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      JSON.parse(text);
      for (const [, name] of text.matchAll(/user\/([a-z_]+)/g))
        expect(names, `${file}: ${name}`).toContain(name);
      for (const [, name] of text.matchAll(/user_([a-z_]+)\{/g))
        expect(names, `${file}: ${name}`).toContain(name);
    }
  });
});
