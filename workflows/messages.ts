import { defineQuery } from '@temporalio/workflow';
import type { Task } from './task';

/** Every action workflow answers this query with its task in Drydock's shape. */
export const taskQuery = defineQuery<Task>('task');
