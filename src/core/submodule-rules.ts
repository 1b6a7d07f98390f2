/**
 * What git refuses in a .gitmodules entry (submodule-config.c check_submodule_name and
 * check_submodule_url, credential.c credential_from_url_gently, url.c url_decode). Strings
 * are latin1, one character per byte, as the config parser gives them.
 *
 * A name may not be empty or have a ".." component ("/" and "\" both separate, on every
 * platform): the name becomes a path under .git/modules/. A url may not look like an option
 * ("-..."); a relative or git:// url may not hold a newline once %-decoded nor climb out of
 * its root into a scheme or host ("../:x", "..//x"); an http(s)/ftp(s) url, also behind
 * "http::" and the like, must parse as a credential url with a host and no newline in any part
 * (a newline there once smuggled lines into the credential helper protocol).
 */

const isSep = (c: string | undefined) => c === '/' || c === '\\';

export function isValidSubmoduleName(name: string): boolean {
  if (name === '') return false;
  const dotdotAt = (i: number) => name[i] === '.' && name[i + 1] === '.' && (i + 2 === name.length || isSep(name[i + 2]));
  if (dotdotAt(0)) return false;
  for (let i = 0; i < name.length; i++) if (isSep(name[i]) && dotdotAt(i + 1)) return false;
  return true;
}

/** A path or url git would take for a command-line option. */
export const looksLikeOption = (s: string) => s.startsWith('-');

/** `update = !command` runs a command on `git submodule update`. */
export const isUpdateCommand = (value: string) => value.startsWith('!');

const startsWithDotSlash = (s: string, i = 0) => s[i] === '.' && isSep(s[i + 1]);
const startsWithDotDotSlash = (s: string, i = 0) => s[i] === '.' && startsWithDotSlash(s, i + 1);

const cString = (s: string) => {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
};

function hexval(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** git's url_decode_mem: %XX decoded (but not %00), the scheme part before a first ":" left as it is. */
export function urlDecode(s: string): string {
  let out = '';
  let i = 0;
  const colon = s.indexOf(':');
  if (colon > 0) {
    out = s.slice(0, colon);
    i = colon;
  }
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) break;
    if (c === 0x25 && s.length - i >= 3) {
      const hi = hexval(s.charCodeAt(i + 1));
      const lo = hexval(s.charCodeAt(i + 2));
      // "%00" is left as it is (git decodes only 0 < value)
      if (hi >= 0 && lo >= 0 && hi + lo > 0) {
        out += String.fromCharCode(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

/** The url's host, or null when git's credential parser refuses the url (no scheme, a newline in a part). */
function credentialHost(url: string): string | null {
  const protoEnd = url.indexOf('://');
  if (protoEnd <= 0) return null;
  const cp = protoEnd + 3;
  const at = url.indexOf('@', cp);
  const colon = url.indexOf(':', cp);
  let slash = cp;
  while (slash < url.length && url[slash] !== '/' && url[slash] !== '?' && url[slash] !== '#') slash++;
  const parts: string[] = [url.slice(0, protoEnd)];
  let host = cp;
  if (at >= 0 && at < slash) {
    if (colon < 0 || at <= colon) parts.push(urlDecode(url.slice(cp, at)));
    else parts.push(urlDecode(url.slice(cp, colon)), urlDecode(url.slice(colon + 1, at)));
    host = at + 1;
  }
  const hostName = urlDecode(url.slice(host, slash));
  parts.push(hostName);
  let p = slash;
  while (url[p] === '/') p++;
  if (p < url.length) parts.push(urlDecode(url.slice(p)));
  if (parts.some((x) => cString(x).includes('\n'))) return null;
  return cString(hostName);
}

/** The url git-remote-curl would be given, if the url goes to it. */
function curlUrl(url: string): string | null {
  for (const p of ['http::', 'https::', 'ftp::', 'ftps::']) if (url.startsWith(p)) return url.slice(p.length);
  for (const p of ['http://', 'https://', 'ftp://', 'ftps://']) if (url.startsWith(p)) return url;
  return null;
}

export function isValidSubmoduleUrl(url: string): boolean {
  if (looksLikeOption(url)) return false;
  if (startsWithDotSlash(url) || startsWithDotDotSlash(url) || url.startsWith('git://')) {
    // it may be appended to an http url and decoded there
    if (cString(urlDecode(url)).includes('\n')) return false;
    let i = 0;
    let dotdots = 0;
    for (;;) {
      if (startsWithDotDotSlash(url, i)) {
        dotdots++;
        i += 3;
      } else if (startsWithDotSlash(url, i)) i += 2;
      else break;
    }
    return !(dotdots > 0 && (url[i] === ':' || url[i] === '/'));
  }
  const curl = curlUrl(url);
  if (curl !== null) {
    const host = credentialHost(curl);
    return host !== null && host !== '';
  }
  return true;
}
