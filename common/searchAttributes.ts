import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes an operator filters on in the Web UI, e.g. `DrydockAction = "deploy_nodes"`.
 * They are stored in plaintext (no codec applies): never a credential, and design references are
 * stripped of any user:password before they are set (see `publicDesignRef`).
 */
export const DrydockTaskId = defineSearchAttributeKey('DrydockTaskId', SearchAttributeType.KEYWORD);
export const DrydockAction = defineSearchAttributeKey('DrydockAction', SearchAttributeType.KEYWORD);
export const DrydockDesignRef = defineSearchAttributeKey('DrydockDesignRef', SearchAttributeType.KEYWORD);
export const DrydockSite = defineSearchAttributeKey('DrydockSite', SearchAttributeType.KEYWORD);
export const DrydockNodes = defineSearchAttributeKey('DrydockNodes', SearchAttributeType.KEYWORD_LIST);
export const DrydockResult = defineSearchAttributeKey('DrydockResult', SearchAttributeType.KEYWORD);
export const DrydockParentTaskId = defineSearchAttributeKey('DrydockParentTaskId', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [DrydockTaskId, DrydockAction, DrydockDesignRef, DrydockSite, DrydockNodes, DrydockResult, DrydockParentTaskId];

/** `--search-attribute Name=Type` values for `temporal server start-dev`. */
export function devServerSearchAttributeFlags(): string[] {
  const typeName: Record<string, string> = {
    [SearchAttributeType.KEYWORD]: 'Keyword',
    [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
    [SearchAttributeType.TEXT]: 'Text',
    [SearchAttributeType.INT]: 'Int',
    [SearchAttributeType.DOUBLE]: 'Double',
    [SearchAttributeType.BOOL]: 'Bool',
    [SearchAttributeType.DATETIME]: 'Datetime',
  };
  return ALL_SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=${typeName[k.type]}`]);
}

/** A design reference without credentials in its URL, safe for search attributes and logs. */
export function publicDesignRef(ref: string): string {
  return ref.replace(/^([a-z+]+:\/\/)[^/@]*@/i, '$1');
}
