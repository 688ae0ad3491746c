/** The colour scheme: following the system, or forced. */
export type Theme = 'auto' | 'light' | 'dark';

const KEY = 'vigil.theme';
const listeners = new Set<() => void>();

/** The chosen theme (a display preference, the only thing the UI keeps in browser storage besides the tenant). */
export function getTheme(): Theme {
  const t = localStorage.getItem(KEY);
  return t === 'light' || t === 'dark' ? t : 'auto';
}

/** The scheme in effect. */
export function effectiveTheme(): 'light' | 'dark' {
  const t = getTheme();
  if (t !== 'auto') return t;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Applies the theme to `<html data-theme>` (the stylesheet keys its colours on it). */
export function applyTheme(theme: Theme = getTheme()): void {
  if (theme === 'auto') localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, theme);
  document.documentElement.dataset.theme = effectiveTheme();
  for (const l of listeners) l();
}

/** Calls `listener` when the scheme changes (charts redraw their axes in the new colours). */
export function onThemeChange(listener: () => void): () => void {
  listeners.add(listener);
  const mq = matchMedia('(prefers-color-scheme: dark)');
  const sys = () => {
    if (getTheme() === 'auto') applyTheme('auto');
  };
  mq.addEventListener('change', sys);
  return () => {
    listeners.delete(listener);
    mq.removeEventListener('change', sys);
  };
}

/** A colour of the current theme from the stylesheet's custom properties. */
export function cssColor(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}
