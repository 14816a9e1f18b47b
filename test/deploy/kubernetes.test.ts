// The Kubernetes manifests as kubectl renders them: every object valid against its schema, and the links
// between them right (probe paths and ports, selectors, secret names, the graceful-shutdown budget).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Service, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { clusterSchema, scheduledBackupSchema, schemaProblems } from './cnpg-schema.ts';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are untyped until validated below
type Manifest = Record<string, any>;

type Model = new (data: Manifest) => { validate(): void };

const models: Record<string, Model> = {
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor as unknown as Model,
};

const parse = (text: string): Manifest[] => parseAllDocuments(text).map((doc) => doc.toJS() as Manifest);
const render = (dir: string) =>
  parse(execFileSync('kubectl', ['kustomize', `${DEPLOY}/kubernetes/${dir}`], { encoding: 'utf8' }));
const only = (objects: Manifest[], kind: string) => {
  const found = objects.filter((object) => object.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0] as Manifest;
};
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);
const cnpg = parse(readFileSync(`${DEPLOY}/cloudnative-pg/cluster.yaml`, 'utf8'));

for (const dir of ['base', 'overlays/example']) {
  describe(`deploy/kubernetes/${dir}`, () => {
    const objects = render(dir);
    const deployment = only(objects, 'Deployment');
    const pod = deployment.spec.template;
    const container = pod.spec.containers[0];
    const env = Object.fromEntries(
      container.env.filter((e: Manifest) => 'value' in e).map((e: Manifest) => [e.name, e.value]),
    );
    const ports = Object.fromEntries(container.ports.map((p: Manifest) => [p.name, p.containerPort]));

    test('every object is valid against its Kubernetes schema', () => {
      for (const object of objects) {
        const Model = models[`${object.apiVersion}/${object.kind}`];
        assert.ok(Model, `a schema for ${object.apiVersion} ${object.kind}`);
        assert.doesNotThrow(() => new Model(object).validate(), `${object.kind} ${object.metadata.name}`);
      }
      assert.deepEqual(objects.map((o) => o.kind).sort(), [
        'Deployment',
        'HorizontalPodAutoscaler',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Service',
        'ServiceAccount',
        'ServiceMonitor',
      ]);
    });

    test('the validator rejects a broken object (so the check above can fail)', () => {
      const broken = structuredClone(deployment);
      broken.spec.replicas = 'three';
      assert.throws(() => new Deployment(broken).validate());
    });

    test('probes hit /livez and /readyz on the port Tessera listens on', () => {
      assert.equal(ports.http, Number(env.PORT));
      assert.equal(container.livenessProbe.httpGet.path, '/livez');
      assert.equal(container.readinessProbe.httpGet.path, '/readyz');
      assert.equal(container.startupProbe.httpGet.path, '/livez');
      for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
        assert.ok(probe.httpGet.port in ports, 'a named container port');
      }
    });

    test('the kubelet waits longer than the shutdown delay plus the in-flight timeout', () => {
      const budgetMs = Number(env.TESSERA_SHUTDOWN_DELAY_MS) + Number(env.TESSERA_SHUTDOWN_TIMEOUT_MS);
      assert.ok(pod.spec.terminationGracePeriodSeconds * 1000 > budgetMs);
      assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0);
    });

    test('non-root, read-only root filesystem, no capabilities, bounded resources', () => {
      assert.equal(pod.spec.securityContext.runAsNonRoot, true);
      assert.equal(container.securityContext.readOnlyRootFilesystem, true);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
      assert.ok(container.resources.requests.cpu && container.resources.requests.memory);
      assert.ok(container.resources.limits.memory);
      const mounts = container.volumeMounts.map((m: Manifest) => m.mountPath);
      assert.ok(mounts.includes(env.TESSERA_DATA_DIR), 'the data directory is a volume');
    });

    test('selectors match the pods, and the Service, PDB, HPA, policy and monitor point at the right things', () => {
      const podLabels = pod.metadata.labels;
      assert.ok(matches(deployment.spec.selector.matchLabels, podLabels));
      const service = only(objects, 'Service');
      assert.ok(matches(service.spec.selector, podLabels));
      assert.ok(service.spec.ports.every((p: Manifest) => p.targetPort in ports));
      assert.ok(matches(only(objects, 'PodDisruptionBudget').spec.selector.matchLabels, podLabels));
      const policy = only(objects, 'NetworkPolicy');
      assert.ok(matches(policy.spec.podSelector.matchLabels, podLabels));
      assert.ok(
        policy.spec.ingress.every((rule: Manifest) => rule.ports.every((p: Manifest) => p.port in ports)),
      );
      const hpa = only(objects, 'HorizontalPodAutoscaler');
      assert.deepEqual(hpa.spec.scaleTargetRef, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: deployment.metadata.name,
      });
      assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.minReplicas <= hpa.spec.maxReplicas);
      const monitor = only(objects, 'ServiceMonitor');
      assert.ok(matches(monitor.spec.selector.matchLabels, service.metadata.labels));
      const servicePorts = service.spec.ports.map((p: Manifest) => p.name);
      assert.ok(
        monitor.spec.endpoints.every((e: Manifest) => servicePorts.includes(e.port) && e.path === '/metrics'),
      );
      assert.equal(pod.spec.serviceAccountName, only(objects, 'ServiceAccount').metadata.name);
    });

    test("secrets are referenced by name, never inlined, and the database ones are CloudNativePG's", () => {
      assert.equal(objects.filter((o) => o.kind === 'Secret' || o.kind === 'ConfigMap').length, 0);
      const cluster = cnpg.find((o) => o.kind === 'Cluster') as Manifest;
      const referenced = new Set<string>([
        ...container.env.flatMap((e: Manifest) =>
          e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [],
        ),
        ...pod.spec.volumes.flatMap((v: Manifest) => (v.secret ? [v.secret.secretName] : [])),
      ]);
      const name = cluster.metadata.name;
      assert.deepEqual(
        [...referenced].sort(),
        [`${name}-app`, `${name}-ca`, 'tessera-admin', 'tessera-secrets'].sort(),
      );
      assert.match(env.DATABASE_URL, /sslmode=verify-full/);
      const caMount = container.volumeMounts.find((m: Manifest) => m.name === 'db-ca');
      assert.ok(env.DATABASE_URL.includes(`sslrootcert=${caMount.mountPath}/ca.crt`));
      const policy = only(objects, 'NetworkPolicy');
      const egressLabels = policy.spec.egress.flatMap((r: Manifest) =>
        r.to.map((t: Manifest) => t.podSelector?.matchLabels ?? {}),
      );
      assert.ok(egressLabels.some((labels: Record<string, string>) => labels['cnpg.io/cluster'] === name));
    });
  });
}

describe('deploy/cloudnative-pg/cluster.yaml', () => {
  const cluster = cnpg.find((o) => o.kind === 'Cluster') as Manifest;
  const scheduled = cnpg.find((o) => o.kind === 'ScheduledBackup') as Manifest;

  test("the Cluster and its ScheduledBackup match the API reference's types and required fields", () => {
    assert.deepEqual(schemaProblems(clusterSchema, cluster), []);
    assert.deepEqual(schemaProblems(scheduledBackupSchema, scheduled), []);
    const broken = structuredClone(cluster);
    delete broken.spec.instances;
    broken.spec.postgresql.synchronous.method = 'quorum';
    assert.deepEqual(schemaProblems(clusterSchema, broken), [
      '$.spec.instances: required',
      '$.spec.postgresql.synchronous.method: not one of any, first',
    ]);
  });

  test('three instances, synchronous replication, WAL archiving, a daily base backup, RPO within 15 minutes', () => {
    assert.equal(cluster.spec.instances, 3);
    assert.ok(cluster.spec.postgresql.synchronous.number >= 1);
    assert.equal(cluster.spec.postgresql.synchronous.dataDurability, 'required');
    const archiveMinutes = Number(/^(\d+)min$/.exec(cluster.spec.postgresql.parameters.archive_timeout)?.[1]);
    assert.ok(archiveMinutes > 0 && archiveMinutes <= 15, 'WAL reaches the object store within the RPO');
    assert.ok(cluster.spec.backup.barmanObjectStore.wal, 'WAL archiving is on');
    const credentials = cluster.spec.backup.barmanObjectStore.s3Credentials;
    assert.equal(credentials.accessKeyId.name, credentials.secretAccessKey.name);
    assert.equal(scheduled.spec.cluster.name, cluster.metadata.name);
    assert.equal(scheduled.spec.method, 'barmanObjectStore');
  });

  test("it lives in the example overlay's namespace", () => {
    const overlay = render('overlays/example');
    assert.ok(overlay.every((o) => o.metadata.namespace === cluster.metadata.namespace));
  });
});
