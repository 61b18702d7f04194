/**
 * Ingestion (Drydock's ingester plus its Deckhand and legacy YAML plugins): YAML documents → schema check
 * (DD001) → field processing (DD000) → a SiteDesign. A document that fails either step is dropped, as in
 * Drydock, and the error is reported against it.
 */
import { ACCEPTS, isKind, type Kind, SCHEMAS } from './schemas';
import { forEachYamlDocument } from './yamlParse';
import { emptySiteDesign, type DocumentRef, type SiteDesign } from './model';
import { makeMessage, type ValidationMessage } from './status';
import { IngesterError, isObject, PROCESSORS } from './documents';
import { schemaErrorText } from './schemaMessages';

export interface IngestResult {
  design: SiteDesign;
  messages: ValidationMessage[];
  /** True when any document failed the schema or field processing (Drydock's ingest status `failure`). */
  failed: boolean;
}

interface RawDocument {
  kind: Kind;
  name: string;
  data: unknown;
  index: number;
  line: number;
}

/** Parse and ingest a YAML stream. Throws DesignParseError on malformed YAML. */
export function ingestText(text: string, source = 'design'): IngestResult {
  let design = emptySiteDesign();
  let messages: ValidationMessage[] = [];
  let failed = false;
  // Each document is ingested as soon as it is parsed; a restart (the fast YAML path declined) starts over.
  forEachYamlDocument(text, source, () => {
    design = emptySiteDesign();
    messages = [];
    failed = false;
    return (doc) => {
      const raw = recognise(doc.value, doc.index, doc.line, messages);
      if (raw && !ingestDocument(raw, design, messages)) failed = true;
    };
  });
  if (messages.some((m) => m.error)) failed = true;
  return { design, messages, failed };
}

/** Which format and kind a YAML document is; undefined (with a message where useful) when it is skipped. */
function recognise(value: unknown, index: number, line: number, messages: ValidationMessage[]): RawDocument | undefined {
  if (value === null || value === undefined) return undefined;
  const where = `document #${index + 1} (line ${line})`;
  if (!isObject(value)) {
    messages.push(makeMessage('DD000', 'Error', `Error processing document: ${where} is not a mapping`));
    return undefined;
  }
  const metadata = isObject(value.metadata) ? value.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : undefined;
  if (typeof value.schema === 'string') return recogniseDeckhand(value.schema, name, value.data, index, line, messages);
  if (typeof value.apiVersion === 'string' || typeof value.kind === 'string') {
    return recogniseLegacy(value, name, index, line, messages);
  }
  messages.push(makeMessage('DD000', 'Warning', `Skipped ${where}: neither a Deckhand 'schema' nor an 'apiVersion'/'kind'`));
  return undefined;
}

function recogniseDeckhand(schema: string, name: string | undefined, data: unknown, index: number, line: number, messages: ValidationMessage[]): RawDocument | undefined {
  const parts = schema.split('/');
  // Drydock skips documents of other namespaces (Deckhand, Promenade...) and malformed schema names.
  if (parts.length !== 3 || parts[0] !== 'drydock') return undefined;
  const [, kind, version] = parts;
  const docs = () => [{ schema, name: name ?? '' }];
  if (!isKind(kind) || version !== 'v1') {
    messages.push(makeMessage('DD000', 'Error', `Invalid document - Kind ${kind} and Version ${version}`, docs()));
    return undefined;
  }
  if (!name) {
    messages.push(makeMessage('DD000', 'Error', `Error processing document: document #${index + 1} (line ${line}, ${schema}) has no metadata.name`, docs()));
    return undefined;
  }
  return { kind, name, data, index, line };
}

function recogniseLegacy(value: Record<string, unknown>, name: string | undefined, index: number, line: number, messages: ValidationMessage[]): RawDocument | undefined {
  const kind = String(value.kind ?? '');
  const apiVersion = String(value.apiVersion ?? '');
  const docs = [{ schema: `drydock/${kind}/v1`, name: name ?? '' }];
  if (apiVersion !== 'drydock/v1') {
    messages.push(makeMessage('DD000', 'Error', `Invalid document - apiVersion '${apiVersion}' of document #${index + 1} (line ${line}) is not drydock/v1`, docs));
    return undefined;
  }
  if (!isKind(kind)) {
    messages.push(makeMessage('DD000', 'Error', `Invalid document - Kind ${kind} and Version v1`, docs));
    return undefined;
  }
  if (!name) {
    messages.push(makeMessage('DD000', 'Error', `Error processing document: document #${index + 1} (line ${line}, kind ${kind}) has no metadata.name`, docs));
    return undefined;
  }
  return { kind, name, data: value.spec, index, line };
}

/** Schema check then field processing; false when the document was dropped. */
function ingestDocument(raw: RawDocument, design: SiteDesign, messages: ValidationMessage[]): boolean {
  const docRef: DocumentRef = { schema: `drydock/${raw.kind}/v1`, name: raw.name };
  if (!ACCEPTS[raw.kind](raw.data)) {
    const parsed = SCHEMAS[raw.kind].safeParse(raw.data);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        messages.push(makeMessage('DD001', 'Error', schemaErrorText(raw, issue), [docRef]));
      }
      return false;
    }
  }
  try {
    PROCESSORS[raw.kind](raw.name, docRef, raw.data as never, design, raw.data);
    return true;
  } catch (e) {
    const text = e instanceof IngesterError ? 'Error processing document: ' : 'Unexpected error processing document: ';
    messages.push(makeMessage('DD000', 'Error', text + (e instanceof Error ? e.message : String(e)), [docRef]));
    return false;
  }
}
