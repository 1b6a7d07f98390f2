/** Configuration: flags over environment over defaults, validated in one place. */
import path from 'node:path';
import { z } from 'zod';

export const ConfigSchema = z.object({
  dataDir: z.string().min(1),
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  /** largest pushed pack (with its commands) */
  maxPushBytes: z.coerce.number().int().positive(),
  /** largest upload-pack request (wants and haves), after gunzip */
  maxUploadRequestBytes: z.coerce.number().int().positive(),
});

export type Config = z.infer<typeof ConfigSchema>;

export function loadConfig(flags: Partial<Record<keyof Config, string | number | undefined>> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const pick = (flag: keyof Config, name: string, dflt: string | number) => flags[flag] ?? env[name] ?? dflt;
  const parsed = ConfigSchema.safeParse({
    dataDir: path.resolve(String(pick('dataDir', 'GITWELL_DATA', './data'))),
    host: pick('host', 'GITWELL_HOST', '127.0.0.1'),
    port: pick('port', 'GITWELL_PORT', 8080),
    maxPushBytes: pick('maxPushBytes', 'GITWELL_MAX_PUSH_BYTES', 2 * 1024 ** 3),
    maxUploadRequestBytes: pick('maxUploadRequestBytes', 'GITWELL_MAX_UPLOAD_REQUEST_BYTES', 64 * 1024 ** 2),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}
