import { ConfigError } from './errors';
import { describeSettingValue } from './secret-redaction';

/**
 * Reads settings from an environment map; each getter validates and throws a ConfigError naming the setting,
 * so a process stops at boot on the first bad value instead of failing later. Messages never show a password:
 * URLs are shown with `***` for it, settings named *PASSWORD*, *SECRET* or *TOKEN* not at all.
 */
export class EnvReader {
  constructor(private readonly env: Record<string, string | undefined> = process.env) {}

  string(name: string, fallback: string): string {
    const value = this.raw(name);
    return value ?? fallback;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  url(name: string, fallback: string, protocols: string[]): string {
    const value = this.string(name, fallback);
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConfigError(name, `must be a URL like ${fallback} (got ${describeSettingValue(name, value)})`);
    }
    if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
      throw new ConfigError(name, `must use ${protocols.join(' or ')}:// (got ${describeSettingValue(name, value)})`);
    }
    return value;
  }

  int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value))
      throw new ConfigError(name, `must be a whole number (got ${describeSettingValue(name, value)})`);
    const n = Number(value);
    if (n < min || n > max)
      throw new ConfigError(name, `must be between ${min} and ${max} (got ${describeSettingValue(name, value)})`);
    return n;
  }

  /** A switch: 1/true/yes/on or 0/false/no/off (any case); anything else is a ConfigError. */
  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const normalized = value.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(normalized)) return true;
    if (['0', 'false', 'no', 'off'].includes(normalized)) return false;
    throw new ConfigError(
      name,
      `must be 1 or 0 (also true/false, yes/no, on/off; got ${describeSettingValue(name, value)})`,
    );
  }

  list(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    return value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }

  /** A key prefix for Redis: letters, digits, `-`, `_`, `.`. */
  prefix(name: string, fallback: string): string {
    const value = this.string(name, fallback);
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(value)) {
      throw new ConfigError(
        name,
        `must be 1-64 characters of letters, digits, '-', '_' or '.' (got ${describeSettingValue(name, value)})`,
      );
    }
    return value;
  }

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }
}

/** Defaults that fit a machine with Redis and MySQL/MariaDB on their usual local ports. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_MYSQL_URL = 'mysql://root@127.0.0.1:3306/jobnest';
export const DEFAULT_PREFIX = 'jobnest';
