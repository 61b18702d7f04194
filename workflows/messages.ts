import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Task } from './task';

/** Every action workflow answers this query with its task in Drydock's shape. */
export const taskQuery = defineQuery<Task>('task');

export interface BootActionReport {
  actionId: string;
  status: 'success' | 'failure';
  details?: { message: string; error: boolean }[];
}

/** Sent by the boot action report API when a deployed node reports a boot action's outcome. */
export const bootactionReportSignal = defineSignal<[BootActionReport]>('bootactionReport');
