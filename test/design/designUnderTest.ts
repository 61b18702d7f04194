/** The design package as the tests see it, plus test-only access to the raw schema registry. */
import { SCHEMAS } from '../../design/schemas';
import { parseYamlStream } from '../../design/yamlParse';

export * from '../../design';

/** Legacy `{kind, spec}` documents of a sample, for Drydock's direct schema tests. */
export const SCHEMAS_FOR_TESTS = {
  schemas: SCHEMAS as Record<string, (typeof SCHEMAS)['Region']>,
  parseStream(text: string): { kind: string; spec: unknown }[] {
    return parseYamlStream(text, 'sample')
      .map((d) => d.value as { kind?: string; spec?: unknown } | null)
      .filter((v): v is { kind: string; spec: unknown } => !!v && typeof v.kind === 'string')
      .map((v) => ({ kind: v.kind, spec: v.spec }));
  },
};
