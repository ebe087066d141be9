// Nested sections of the agent config (`health:`, and e.g. `iot:`): the flat key table in
// agent-config.ts handles scalars; a section is a YAML map parsed by its own module.
// To add one: a field `<name>?: T` in AgentConfig (the YAML key is the field name) and an entry here.
// Pure.
import { healthConfigView, parseHealthSection } from '../health/health-config.js';
import { iotSectionView, parseIotSection } from './iot-config.js';
import type { AgentConfig } from './agent-config.js';

export interface ConfigSection<T> {
  /**
   * Parses the section's YAML value. Throws CONFIG_INVALID naming the full key
   * (e.g. "config key health.gate.fail_on: ..."); may push warnings.
   */
  readonly parse: (value: unknown, key: string, warnings: string[]) => T;
  /** Flat "section.key" → value rows for check-config. */
  readonly view: (value: T) => Record<string, string | number | boolean | null>;
}

type SectionName = 'health' | 'iot';

/** Section name (= YAML key = AgentConfig field) → parser. */
export const CONFIG_SECTIONS: { readonly [K in SectionName]: ConfigSection<NonNullable<AgentConfig[K]>> } = {
  health: { parse: (value, key) => parseHealthSection(value, key), view: healthConfigView },
  iot: { parse: parseIotSection, view: iotSectionView },
};

export function isSectionName(key: string): key is SectionName {
  return Object.hasOwn(CONFIG_SECTIONS, key);
}

/** Parses one section into `config[name]`; a null value leaves the section unset. */
export function applySection(config: Record<string, unknown>, name: SectionName, value: unknown, warnings: string[]): void {
  if (value === null) return;
  config[name] = CONFIG_SECTIONS[name].parse(value, name, warnings);
}

/** check-config rows of every section that is set. */
export function sectionViews(config: AgentConfig): Record<string, string | number | boolean | null> {
  const rows: Record<string, string | number | boolean | null> = {};
  for (const name of Object.keys(CONFIG_SECTIONS) as SectionName[]) {
    const value = config[name];
    if (value !== undefined) Object.assign(rows, (CONFIG_SECTIONS[name] as ConfigSection<typeof value>).view(value));
  }
  return rows;
}
