/**
 * Offers `value` as a JSON file download (an export): a Blob URL clicked through a temporary
 * link, released right after. The file name is cleaned of characters file systems refuse.
 */
export function downloadJson(fileName: string, value: unknown): void {
  const blob = new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = safeFileName(fileName);
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A file name with path separators, control and reserved characters replaced by `_`. */
export function safeFileName(name: string): string {
  const cleaned = name.replace(/[\u0000-\u001f<>:"/\\|?*]+/g, '_').trim();
  return cleaned.slice(0, 120) || 'dashboard.json';
}
