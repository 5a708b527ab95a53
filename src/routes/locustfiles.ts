/**
 * Locust users in a Python file, found by reading its text (no Python run): each class that
 * derives from `HttpUser` or `FastHttpUser`, where it is, and the paths its file requests
 * (`self.client.get("/read")`, `name="/orders/:id"`), in order. For the "▶ Profile with this
 * locustfile" lens and the palette's list of locustfiles.
 */

export interface LocustUserClass {
  name: string;
  /** 0-based line and character of the `class` keyword. */
  line: number;
  character: number;
}

export interface LocustfileScan {
  users: LocustUserClass[];
  /** The request paths (or names) the file sends, each once, in order. */
  paths: string[];
}

const USER_CLASS = /^([ \t]*)class[ \t]+([A-Za-z_]\w*)[ \t]*\(([^)]*)\)[ \t]*:/gm;
const USER_BASE = /(^|[\s,.])(Fast)?HttpUser\s*($|,)/;
const REQUEST =
  /\bclient\s*\.\s*(?:get|post|put|patch|delete|head|options|request)\s*\(\s*(?:["'][A-Za-z]+["']\s*,\s*)?["'](\/[^"']*)["']/g;
const NAME = /\bname\s*=\s*["'](\/[^"']*)["']/g;

export function scanLocustfile(text: string): LocustfileScan {
  const users: LocustUserClass[] = [];
  for (const match of text.matchAll(USER_CLASS)) {
    if (!USER_BASE.test(match[3])) continue;
    const before = text.slice(0, match.index);
    const line = before.split('\n').length - 1;
    users.push({ name: match[2], line, character: match[1].length });
  }
  const found: { at: number; path: string }[] = [];
  for (const m of text.matchAll(NAME)) found.push({ at: m.index ?? 0, path: m[1] });
  for (const m of text.matchAll(REQUEST)) {
    // A request with its own name= is counted under that name.
    const call = text.slice(m.index ?? 0, text.indexOf(')', m.index ?? 0) + 1);
    if (!/\bname\s*=/.test(call)) found.push({ at: m.index ?? 0, path: m[1] });
  }
  const paths = [...new Set(found.sort((a, b) => a.at - b.at).map((f) => f.path))];
  return { users, paths };
}
