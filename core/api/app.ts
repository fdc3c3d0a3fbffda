import { z } from 'zod';

export const BackendKindSchema = z.enum(['electron-utility', 'serve', 'in-process']);
export type BackendKind = z.infer<typeof BackendKindSchema>;

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  backend: BackendKindSchema,
  /** Runtime versions of the back end (node, v8, electron when hosted there). */
  versions: z.record(z.string(), z.string()),
  platform: z.string(),
  arch: z.string(),
  /** The active TensorFlow.js backend, null until a model has been loaded. */
  tfjsBackend: z.string().nullable(),
  /** Whether the back end reads paths on its machine (desktop) or only uploads and samples (browser). */
  canReadPaths: z.boolean(),
  /**
   * New each time a back end starts: a page that finds another one after it
   * reconnected knows the back end was restarted and what it held is gone.
   */
  instance: z.string().max(64),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;
