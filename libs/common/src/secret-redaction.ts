/** Settings whose whole value is a secret: error messages never echo them. */
const SECRET_SETTING = /PASSWORD|SECRET|TOKEN/i;

/** True for a setting named like a secret (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`, any case). */
export function isSecretSetting(name: string): boolean {
  return SECRET_SETTING.test(name);
}

/**
 * A connection URL fit for error messages and logs: the password of its user part becomes `***`. Works on a URL
 * too malformed for `new URL()` (that is when it gets echoed in an error): everything between `scheme://user:`
 * and the last `@` is taken as the password, so a password holding `@` or `/` is hidden whole; without `@`, a
 * "port" that is not a number (mysql://root:hunter2, the host forgotten) is hidden too.
 */
export function redactUrlCredentials(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme < 0) return url.includes('@') ? '***@' + url.slice(url.lastIndexOf('@') + 1) : url;
  const authorityStart = scheme + 3;
  const at = url.lastIndexOf('@');
  if (at < authorityStart) return redactNonNumericPort(url, authorityStart);
  const userInfo = url.slice(authorityStart, at);
  const colon = userInfo.indexOf(':');
  if (colon < 0) return url; // a user name alone (mysql://root@host) holds no secret
  return `${url.slice(0, authorityStart)}${userInfo.slice(0, colon)}:***@${url.slice(at + 1)}`;
}

function redactNonNumericPort(url: string, authorityStart: number): string {
  const rest = url.slice(authorityStart);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const colon = authority.lastIndexOf(':');
  if (colon < 0 || /^\d*$/.test(authority.slice(colon + 1)) || authority.endsWith(']')) return url;
  return `${url.slice(0, authorityStart)}${authority.slice(0, colon)}:***${rest.slice(authority.length)}`;
}

/** How a setting's value may appear in an error message: quoted, or hidden when the setting is a secret. */
export function describeSettingValue(name: string, value: string): string {
  if (isSecretSetting(name)) return `a value of ${value.length} characters, not shown`;
  return `'${value.includes('@') || value.includes('://') ? redactUrlCredentials(value) : value}'`;
}
