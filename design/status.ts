/** Drydock's Validation status object and its messages (objects/validation.py), as plain data. */
import type { DocumentRef } from './model';

export type Level = 'Error' | 'Warning' | 'Info';

export interface ValidationMessage {
  kind: 'ValidationMessage';
  name: string;
  message: string;
  error: boolean;
  level: Level;
  diagnostic: string;
  ts: string;
  documents: DocumentRef[];
}

export interface ValidationStatus {
  kind: 'Status';
  apiVersion: 'v1.0';
  metadata: Record<string, never>;
  message: string;
  reason: string;
  status: 'Success' | 'Failure';
  details: { errorCount: number; messageList: ValidationMessage[] };
}

export function makeMessage(name: string, level: Level, message: string, documents: DocumentRef[] = [], diagnostic = ''): ValidationMessage {
  return {
    kind: 'ValidationMessage',
    name,
    message,
    error: level === 'Error',
    level,
    diagnostic,
    ts: new Date().toISOString(),
    documents,
  };
}

/** A status built from a message list: Failure as soon as one message is an error. */
export function statusFrom(messages: ValidationMessage[]): ValidationStatus {
  const errorCount = messages.filter((m) => m.error).length;
  return {
    kind: 'Status',
    apiVersion: 'v1.0',
    metadata: {},
    message: errorCount ? 'Site design failed validation.' : 'Site design passed validation',
    reason: errorCount ? 'See detail messages.' : '',
    status: errorCount ? 'Failure' : 'Success',
    details: { errorCount, messageList: messages },
  };
}
