// The Grafana dashboards checked against Grafana's published schema (@grafana/schema, the
// version of the Grafana image docker-compose.yml pins; no Grafana server is reachable
// here): each dashboard, each panel's options and field config for its panel type, written
// out as typed TypeScript literals and compiled, so an unknown key or a wrong type fails.

import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const ROOT = new URL('../..', import.meta.url).pathname;
const DIR = join(ROOT, 'grafana', 'dashboards');
const SCHEMA = '@grafana/schema';
const PANELS: Record<string, string> = {
  stat: `${SCHEMA}/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen`,
  timeseries: `${SCHEMA}/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen`,
};

type Json = Record<string, unknown>;

/** A TypeScript module whose literals must type-check against the schema. */
function typedModule(dashboard: Json): string {
  const lines = [
    `import type { Dashboard as Model } from '${SCHEMA}';`,
    "import type { Wire } from './wire.js';",
    'type Dashboard = Wire<Model>;',
  ];
  for (const [type, path] of Object.entries(PANELS)) {
    lines.push(`import type * as ${type}Model from '${path}';`);
  }
  const { panels = [], ...rest } = dashboard as { panels?: Json[] };
  lines.push(`export const dashboard: Dashboard = ${JSON.stringify({ ...rest, panels: [] })};`);
  panels.forEach((p, i) => {
    const type = String(p.type);
    const { options, fieldConfig, ...panel } = p as {
      options?: Json;
      fieldConfig?: { defaults?: { custom?: Json } };
    };
    lines.push(
      `export const panel${i}: NonNullable<Dashboard['panels']>[number] = ${JSON.stringify({ ...panel, fieldConfig })};`,
    );
    // Grafana fills options a panel leaves out, so each may be omitted, not misspelt.
    if (options)
      lines.push(
        `export const options${i}: Partial<Wire<${type}Model.Options>> = ${JSON.stringify(options)};`,
      );
    const custom = fieldConfig?.defaults?.custom;
    if (custom)
      lines.push(
        `export const custom${i}: Partial<Wire<${type}Model.FieldConfig>> = ${JSON.stringify(custom)};`,
      );
  });
  return `${lines.join('\n')}\n`;
}

describe("Grafana's schema", () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

  it('is the version of the Grafana image the compose file runs', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', SCHEMA, 'package.json'), 'utf8')) as {
      version: string;
    };
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    assert.match(compose, new RegExp(`image: grafana/grafana:${pkg.version.replaceAll('.', '\\.')}\\n`));
  });

  for (const file of files) {
    it(`accepts ${file}: the dashboard, and each panel's options for its type`, () => {
      const dashboard = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Json;
      const types = new Set((dashboard.panels as Json[]).map((p) => String(p.type)));
      for (const t of types) assert.ok(t in PANELS, `panel type ${t} has its schema checked here`);
      mkdirSync(join(ROOT, '.tmp'), { recursive: true });
      const dir = mkdtempSync(join(ROOT, '.tmp', 'grafana-schema-'));
      try {
        const source = join(dir, 'dashboard.ts');
        writeFileSync(source, typedModule(dashboard));
        copyFileSync(join(ROOT, 'test', 'grafana', 'wire.d.ts'), join(dir, 'wire.d.ts'));
        const program = ts.createProgram([source], {
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          module: ts.ModuleKind.NodeNext,
          moduleResolution: ts.ModuleResolutionKind.NodeNext,
          target: ts.ScriptTarget.ES2022,
          types: [],
        });
        const errors = ts
          .getPreEmitDiagnostics(program)
          .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        assert.deepEqual(errors, []);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
