/**
 * The part of core/train that runs anywhere: the training events (epochs,
 * steps, policy updates) the workbench draws as live curves.
 */
export * from './events.js';
