// The keeper's packaging, checked where no container runtime runs: the Dockerfile, the compose
// stack, the Prometheus scrape, the Grafana dashboard and alert rules, the example config and the
// systemd unit must agree with each other and with what the keeper really exports and reads.
import { existsSync, readFileSync } from "node:fs";
import { expect } from "chai";
import yaml from "js-yaml";
import { loadConfig, keeperConfigSchema } from "../../keeper/config.ts";
import { KeeperMetrics } from "../../keeper/metrics.ts";

const text = (path: string) => readFileSync(path, "utf8");
const yamlFile = (path: string) => yaml.load(text(path)) as Record<string, unknown>;
type Service = {
  build?: { target: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
};

/** Every metric name the keeper serves (histograms as their series), plus Prometheus's own `up`. */
async function exportedMetrics(): Promise<Set<string>> {
  const names = new Set(["up"]);
  for (const metric of await new KeeperMetrics().registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(metric.name + suffix);
  }
  return names;
}

/** The metric names a PromQL expression reads (functions and label values left out). */
function metricsIn(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, "").replace(/\[[^\]]*\]/g, "");
  // Identifiers not followed by "(" (functions) and not inside by (...) (label names).
  const words = withoutLabels.replace(/\bby\s*\([^)]*\)/g, "").match(/\b[a-z_][a-z0-9_]*\b(?!\s*\()/g) ?? [];
  return words;
}

describe("keeper packaging", () => {
  const compose = yamlFile("docker-compose.yml") as { services: Record<string, Service> };
  const dockerfile = text("Dockerfile");
  const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);

  it("builds a multi-stage image whose runtime stage is the keeper-runtime file set, run as a non-root user with a /health check", () => {
    expect(stages).to.deep.equal(["build", "runtime"]);
    const [build, runtime] = dockerfile.split(/^FROM .* AS runtime$/m);
    expect(build).to.match(/^RUN .*node scripts\/keeper-runtime\.ts --out \/runtime$/m);
    expect(runtime).to.match(/^COPY --from=build \/runtime\/ \.\/$/m);
    expect(runtime).to.not.match(/npm (ci|install)/); // nothing but the runtime set is installed
    const user = runtime.match(/^USER (\S+)$/m)?.[1];
    expect(user).to.be.a("string").and.not.be.oneOf(["root", "0"]);
    expect(runtime).to.match(/^HEALTHCHECK .*\n?.*\/health/m);
    // Exec form, so node is PID 1 and gets SIGTERM itself.
    expect(runtime).to.match(/^ENTRYPOINT \["node", "keeper\/cli\.ts"\]$/m);
  });

  it("composes a node, a deploy, the keeper, Prometheus and Grafana that fit together", () => {
    const { services } = compose;
    expect(Object.keys(services)).to.have.members(["node", "deploy", "keeper", "prometheus", "grafana"]);
    for (const [name, service] of Object.entries(services)) {
      if (service.build) expect(stages, name).to.include(service.build.target);
      for (const port of service.ports ?? []) expect(port, `${name} publishes on localhost only`).to.match(/^127\.0\.0\.1:/);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(":")[0];
        if (source.startsWith(".")) expect(existsSync(source), `${name} mounts ${source}`).to.equal(true);
      }
    }
    expect(services.keeper.build!.target).to.equal("runtime");
    expect(services.keeper.depends_on).to.deep.equal({ deploy: { condition: "service_completed_successfully" } });
    const scripts = JSON.parse(text("package.json")).scripts as Record<string, string>;
    const deployScript = services.deploy.command!.join(" ").match(/npm run (\S+)$/)![1];
    expect(scripts).to.have.property(deployScript);
    // The keeper's whole configuration comes from its environment, and it is valid.
    const config = loadConfig(undefined, services.keeper.environment!);
    expect(config.addressBook).to.equal(services.deploy.environment!.ADDRESS_BOOK);
    const metricsPort = Number(dockerfile.match(/KEEPER_METRICS_PORT=(\d+)/)![1]);
    expect(services.keeper.ports).to.deep.equal([`127.0.0.1:${metricsPort}:${metricsPort}`]);
    const prometheus = yamlFile("ops/prometheus/prometheus.yml") as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    expect(prometheus.scrape_configs).to.deep.equal([{ job_name: "keeper", static_configs: [{ targets: [`keeper:${metricsPort}`] }] }]);
  });

  it("provisions a dashboard and alert rules that read only metrics the keeper exports", async () => {
    const exported = await exportedMetrics();
    const datasource = (yamlFile("ops/grafana/provisioning/datasources/prometheus.yml").datasources as { uid: string }[])[0].uid;
    const dashboard = JSON.parse(text("ops/grafana/dashboards/keeper.json")) as {
      uid: string;
      panels: { title: string; datasource: { uid: string }; targets: { expr: string }[] }[];
    };
    expect(dashboard.panels.length).to.be.greaterThan(5);
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid, panel.title).to.equal(datasource);
      for (const { expr } of panel.targets)
        for (const metric of metricsIn(expr)) expect(exported, `${panel.title}: ${expr}`).to.include(metric);
    }
    const alerting = yamlFile("ops/grafana/provisioning/alerting/keeper-alerts.yml") as {
      groups: {
        rules: { title: string; condition: string; data: { refId: string; datasourceUid: string; model: { expr?: string } }[] }[];
      }[];
    };
    const rules = alerting.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.title)).to.have.members([
      "Keeper down",
      "Keeper tick stale",
      "Keeper signer balance low",
      "Keeper failed sends",
      "ADL debt outstanding",
    ]);
    for (const rule of rules) {
      expect(
        rule.data.map((d) => d.refId),
        rule.title,
      ).to.include(rule.condition);
      for (const query of rule.data) {
        expect(query.datasourceUid).to.be.oneOf([datasource, "__expr__"]);
        for (const metric of metricsIn(query.model.expr ?? "")) expect(exported, `${rule.title}: ${query.model.expr}`).to.include(metric);
      }
    }
    // The dashboard provider serves the folder compose mounts the dashboard into.
    const provider = yamlFile("ops/grafana/provisioning/dashboards/keeper.yml") as { providers: { options: { path: string } }[] };
    expect(compose.services.grafana.volumes).to.include(`./ops/grafana/dashboards:${provider.providers[0].options.path}:ro`);
  });

  it("ships an example config that loads and shows every field but the key", () => {
    const config = loadConfig("keeper.example.json", { KEEPER_PRIVATE_KEY: `0x${"11".repeat(32)}` });
    expect(config.confirmations).to.equal(2);
    const shown = Object.keys(JSON.parse(text("keeper.example.json")));
    const fields = Object.keys(keeperConfigSchema.shape).filter((f) => f !== "privateKey" && f !== "keystoreFile");
    expect(shown).to.have.members(fields);
  });

  it("ships a systemd unit that runs node itself and does not restart on a config error", () => {
    const unit = text("ops/systemd/perps-keeper.service");
    expect(unit).to.match(/^ExecStart=\/usr\/bin\/node keeper\/cli\.ts run --config \S+$/m);
    expect(unit).to.match(/^RestartPreventExitStatus=2$/m);
    expect(unit).to.match(/^Restart=on-failure$/m);
    expect(unit).to.match(/^User=(?!root)\S+$/m);
  });
});
