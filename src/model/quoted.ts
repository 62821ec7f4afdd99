/** A client's value as error messages show it: JSON-quoted (control characters escaped) and cut short when long. */
export function quoted(value: string, max = 80): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
