/** Counts in words, for every message that shows one: `1 target`, `2 targets`, never `1 targets`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
