/**
 * Words that name an option, kept as data until they are shown. A sentence shared by the CLI and
 * the editor ("use --url http://127.0.0.1:3001") holds a reference to the option
 * (`optionRef('url', 'http://127.0.0.1:3001')`), not either surface's name for it; it travels
 * like that (through a worker, in a diagnosis), and each renderer resolves it with `forSurface`:
 * the CLI prints the flag, the editor the setting (or the preset as its pick names it). Pure.
 */
import { isOptionKey, OPTIONS, type OptionKey, type OptionNames, type Surface } from './options';

const OPEN = '⟦';
const CLOSE = '⟧';
const PRESETS_SETTING = OPTIONS.presets.setting;
const REFERENCE = /⟦([a-z-]+)(?: ([^⟧]*))?⟧/g;

/** A reference to an option in words, with the value to give it (such as a URL), if any. */
export function optionRef(option: OptionKey, value?: string): string {
  return `${OPEN}${option}${value === undefined ? '' : ` ${value}`}${CLOSE}`;
}

/** Whether text still holds a reference no renderer resolved: for tests, never for users. */
export function hasReference(text: string): boolean {
  return text.includes(OPEN) || text.includes(CLOSE);
}

/** Words, or an error whose words keep their references (HotpathError's `words`). */
export type Words = string | { readonly words: string };

/** The words as `surface` shows them: every option reference in that surface's own name. */
export function forSurface(words: Words, surface: Surface): string {
  const text = typeof words === 'string' ? words : words.words;
  return text.replace(REFERENCE, (whole, key: string, value: string | undefined) =>
    isOptionKey(key) ? optionName(key, value, surface) : whole,
  );
}

/** The options `words` refers to, in order, each with its value if it has one. */
export function referencesIn(words: Words): { option: OptionKey; value?: string }[] {
  const text = typeof words === 'string' ? words : words.words;
  return [...text.matchAll(REFERENCE)].flatMap(([, key, value]) =>
    isOptionKey(key) ? [{ option: key, ...(value === undefined ? {} : { value }) }] : [],
  );
}

/**
 * The value words suggest for an option: the last they give it ("listens on 3001, not on 3000
 * (url http://…:3000): use url http://…:3001" suggests the second), if any.
 */
export function suggestedValue(words: Words, option: OptionKey): string | undefined {
  return referencesIn(words)
    .filter((r) => r.option === option && r.value !== undefined)
    .at(-1)?.value;
}

/**
 * The settings the editor's rendering of `words` names (`hotpath.presets` for a preset's field),
 * each once: what an Open Settings button opens. A preset named by value is picked, not set.
 */
export function settingsNamed(words: Words): string[] {
  const settings = referencesIn(words).flatMap(({ option, value }) => {
    const names: OptionNames = OPTIONS[option];
    if (option === 'preset' && value !== undefined) return [];
    if (names.setting) return [names.setting];
    return names.inPreset === undefined ? [] : [PRESETS_SETTING];
  });
  return [...new Set(settings)];
}

/**
 * The CLI's `--url http://…`; the editor's `"hotpath.service.url": "http://…"`, a switch's
 * `"hotpath.allowErrors": true`, a preset's field `a preset with "connections": 5 in
 * hotpath.presets`.
 */
function optionName(key: OptionKey, value: string | undefined, surface: Surface): string {
  const names: OptionNames = OPTIONS[key];
  if (surface === 'cli') {
    const name = names.flag ?? names.setting ?? `<${key}>`;
    return value === undefined ? name : `${name} ${value}`;
  }
  // The editor picks a preset by its name, from a list; it is no setting's value there.
  if (key === 'preset' && value !== undefined) return `the "${value}" preset`;
  if (names.setting) {
    if (value === undefined)
      return names.switch ? `"${names.setting}": true` : `the setting ${names.setting}`;
    return `"${names.setting}": ${jsonValue(value)}`;
  }
  if (names.inPreset !== undefined) {
    if (names.inPreset === '') return `a preset of your own in ${PRESETS_SETTING}`;
    return value === undefined
      ? `a preset's "${names.inPreset}" in ${PRESETS_SETTING}`
      : `a preset with "${names.inPreset}": ${jsonValue(value)} in ${PRESETS_SETTING}`;
  }
  if (names.flag) return `the CLI's ${names.flag}${value === undefined ? '' : ` ${value}`}`;
  return value === undefined ? key : `${key} ${value}`;
}

/** A value as it is written in settings.json: numbers (and a placeholder such as N) bare. */
function jsonValue(value: string): string {
  return /^(\d+(\.\d+)?|[A-Z])$/.test(value) ? value : JSON.stringify(value);
}
