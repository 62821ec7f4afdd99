/** nginx's predefined `combined` log format. */
export const NGINX_COMBINED =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

export interface CompiledFormat {
  /** Matches one whole line; capture group i+1 holds variable `variables[i]`. */
  pattern: RegExp;
  variables: string[];
}

const VARIABLE = /\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Compiles an nginx `log_format` string into one anchored RegExp. A variable followed
 * by a space matches lazily up to the whole next literal, since values such as
 * `$upstream_status` lists (`502, 200`) hold spaces; one followed by another character
 * stops at that character (nginx escapes quotes inside values as \x22, so
 * `"$http_user_agent"` stops at the closing quote); the last variable takes the rest.
 */
export function compileLogFormat(format: string): CompiledFormat {
  const variables: string[] = [];
  const parts: Array<{ literal: string } | { variable: string }> = [];
  let at = 0;
  for (const match of format.matchAll(VARIABLE)) {
    if (match.index > at) parts.push({ literal: format.slice(at, match.index) });
    parts.push({ variable: match[1] ?? match[2] });
    at = match.index + match[0].length;
  }
  if (at < format.length) parts.push({ literal: format.slice(at) });
  if (parts.every((p) => 'literal' in p)) {
    throw new Error(`nginx log format has no variables: ${JSON.stringify(format)}`);
  }
  let source = '^';
  parts.forEach((part, i) => {
    if ('literal' in part) {
      source += escapeRegExp(part.literal);
      return;
    }
    variables.push(part.variable);
    const next = parts[i + 1];
    if (next && 'literal' in next)
      source += next.literal[0] === ' ' ? '(.*?)' : `([^${escapeRegExp(next.literal[0])}]*)`;
    else if (next) throw new Error(`nginx log format: $${part.variable} is directly followed by another variable`);
    else source += '(.*)';
  });
  return { pattern: new RegExp(`${source}$`), variables };
}
