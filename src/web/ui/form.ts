// The settings form, generated from the one schema (FIELDS in
// src/train/config.ts, the fields marked web: true) and validated with the
// CLI's own coerce/resolveConfig, so defaults and messages are the same.
// An empty box means "the default" (for loss-dependent settings: the default
// of the chosen loss, as when the CLI flag is left out).
import { DEFAULTS, FIELDS, ConfigError, coerce, resolveConfig, type Field, type TrainConfig } from '../../train/config';

export const WEB_FIELDS: readonly Field[] = FIELDS.filter((f) => f.web);

function defaultText(f: Field): string {
  const d = DEFAULTS[f.key];
  if (typeof d === 'number' && Number.isNaN(d)) return 'auto';
  return String(d);
}

export class SettingsForm {
  private readonly inputs = new Map<keyof TrainConfig, HTMLInputElement | HTMLSelectElement>();

  constructor(private readonly form: HTMLFormElement, private readonly errorEl: HTMLElement, onChange: () => void) {
    for (const f of WEB_FIELDS) {
      const row = document.createElement('div');
      row.className = 'field';
      const id = `f-${f.flag}`;
      const label = document.createElement('label');
      label.htmlFor = id;
      label.textContent = f.flag;
      label.title = f.help;
      let input: HTMLInputElement | HTMLSelectElement;
      if (f.kind === 'enum') {
        const sel = document.createElement('select');
        for (const c of f.choices!) sel.append(new Option(c, c));
        sel.value = String(DEFAULTS[f.key]);
        input = sel;
      } else if (f.kind === 'boolean') {
        const cb = document.createElement('input');
        cb.type = 'checkbox';
        cb.checked = Boolean(DEFAULTS[f.key]);
        input = cb;
      } else {
        const t = document.createElement('input');
        t.type = 'text';
        // a list field (--augment) is typed as on the command line: "color,translation,cutout"
        if (f.kind !== 'list') t.inputMode = 'decimal';
        t.placeholder = defaultText(f);
        input = t;
      }
      input.id = id;
      input.name = f.flag;
      input.title = f.help;
      input.addEventListener('change', onChange);
      row.append(label, input);
      this.form.append(row);
      this.inputs.set(f.key, input);
    }
    this.form.addEventListener('submit', (e) => e.preventDefault());
  }

  /** Puts values in the boxes (URL parameters, a loaded checkpoint's config). */
  set(values: Partial<TrainConfig>): void {
    for (const [key, input] of this.inputs) {
      if (!(key in values)) continue;
      const v = values[key];
      if (input instanceof HTMLInputElement && input.type === 'checkbox') input.checked = Boolean(v);
      else input.value = typeof v === 'number' && Number.isNaN(v) ? '' : String(v);
    }
  }

  /** The explicit settings (non-empty boxes), coerced; throws ConfigError with the CLI's message. */
  explicit(): Partial<TrainConfig> {
    const out: Partial<TrainConfig> = {};
    for (const el of this.form.querySelectorAll('.field.bad')) el.classList.remove('bad');
    for (const f of WEB_FIELDS) {
      const input = this.inputs.get(f.key)!;
      let raw: unknown;
      if (input instanceof HTMLInputElement && input.type === 'checkbox') raw = input.checked;
      else raw = input.value.trim();
      if (raw === '') continue;
      try {
        (out as Record<string, unknown>)[f.key] = coerce(f, raw, f.flag);
      } catch (e) {
        input.parentElement!.classList.add('bad');
        throw e;
      }
    }
    return out;
  }

  /** Validates the form with resolveConfig over `extra` (URL-only settings); shows and rethrows errors. */
  resolve(extra: Partial<TrainConfig> = {}): TrainConfig {
    try {
      const cfg = resolveConfig({ ...extra, ...this.explicit() });
      this.errorEl.textContent = '';
      return cfg;
    } catch (e) {
      if (e instanceof ConfigError) this.errorEl.textContent = e.message;
      throw e;
    }
  }

  /** While a run exists only its resumable settings (steps, backend, ...) may change. */
  lock(locked: boolean): void {
    for (const f of WEB_FIELDS) this.inputs.get(f.key)!.disabled = locked && !f.resumable;
  }

  get backend(): TrainConfig['backend'] {
    return this.inputs.get('backend')!.value as TrainConfig['backend'];
  }

  set backend(b: TrainConfig['backend']) {
    this.inputs.get('backend')!.value = b;
  }
}

/**
 * Settings from the page URL (?size=32&ngf=8&backend=wasm ...): flag names as
 * on the command line, any field (not only the form's). Throws ConfigError.
 */
export function settingsFromQuery(search: string): { form: Partial<TrainConfig>; extra: Partial<TrainConfig>; page: URLSearchParams } {
  const params = new URLSearchParams(search);
  const form: Partial<TrainConfig> = {};
  const extra: Partial<TrainConfig> = {};
  const page = new URLSearchParams();
  for (const [k, v] of params) {
    const f = FIELDS.find((x) => x.flag === k);
    if (!f || f.key === 'data' || f.key === 'out') {
      page.append(k, v);
      continue;
    }
    const val = coerce(f, f.kind === 'boolean' && v === '' ? 'true' : v, `?${k}`);
    (f.web ? form : extra)[f.key] = val as never;
  }
  return { form, extra, page };
}
