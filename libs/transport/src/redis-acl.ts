import type { KeyLayout } from './key-layout';

/**
 * Commands a Jobnest process may run: everything but administration and the dangerous ones (FLUSHALL, KEYS,
 * CONFIG, DEBUG, ...), plus INFO, which ioredis' ready check and BullMQ read; SCAN and RANDOMKEY are left out too,
 * as ACL key patterns do not filter what they list.
 */
export const REDIS_ACL_COMMANDS = '+@all -@admin -@dangerous +info -scan -randomkey';

/** Keys and the commands allowed on them: the user's root rules, or one of its selectors. */
export interface RedisAclPermission {
  /** `ACL SETUSER` key patterns, without their `~`. */
  keyPatterns: string[];
  /** `ACL SETUSER` command rules. */
  commands: string;
}

/** What one ACL user may touch. */
export interface RedisAclRules extends RedisAclPermission {
  /** The user name. */
  username: string;
  /** Further permissions (Redis 7 selectors): a command is allowed when the root rules or one selector allow it. */
  selectors: RedisAclPermission[];
}

/**
 * The ACL user of one app's workers. Its workers' command queues (BullMQ: Lua scripts over many keys) with every
 * ordinary command; its app's streams with XADD, XREAD and TYPE only, so a worker can neither delete nor replace a stream
 * the servers read together with other apps' ones. Nothing of another app, nothing of the system keys, no channel.
 */
export function appRedisAcl(layout: KeyLayout, appId: number): RedisAclRules {
  const [streams, queues] = layout.appKeyPatterns(appId);
  return {
    username: `${layout.prefix}-app-${appId}`,
    keyPatterns: [queues],
    commands: REDIS_ACL_COMMANDS,
    // TYPE: a reader that meets a key that is not a stream finds which one (HeartbeatReader).
    selectors: [{ keyPatterns: [streams], commands: '+xadd +xread +type' }],
  };
}

/** The servers' ACL user: every key of the deployment (they read every app's streams and write every queue). */
export function serverRedisAcl(layout: KeyLayout): RedisAclRules {
  return {
    username: `${layout.prefix}-server`,
    keyPatterns: [`${layout.prefix}:*`],
    commands: REDIS_ACL_COMMANDS,
    selectors: [],
  };
}

/**
 * `ACL SETUSER` arguments for the rules and a password. The rules are replaced (resetkeys, clearselectors, -@all
 * first) but the password is added, not reset: running the line again keeps the users that are connected working.
 */
export function aclSetUserArgs(rules: RedisAclRules, password: string): string[] {
  return [
    rules.username,
    'on',
    `>${password}`,
    'resetkeys',
    'resetchannels',
    'clearselectors',
    '-@all',
    ...rules.keyPatterns.map((p) => `~${p}`),
    ...rules.commands.split(' '),
    ...rules.selectors.map((s) => `(${[...s.keyPatterns.map((p) => `~${p}`), ...s.commands.split(' ')].join(' ')})`),
  ];
}
