/** A mirror entry as `.mirror.yml` parsing leaves it: the fields given, every other key at its documented default. */
import { MirrorConfigSchema, type MirrorConfig } from "../../src/config/schema.js";

export function mirrorConfig(fields: Partial<MirrorConfig> & Pick<MirrorConfig, "gitlab">): MirrorConfig {
  return MirrorConfigSchema.parse(fields);
}
