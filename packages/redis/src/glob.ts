/**
 * Escapes the characters Redis' glob-style `MATCH` patterns give meaning to
 * (`*`, `?`, `[`, `]`, `\`), so that a prefix such as `tenant[1]*` matches itself
 * literally and a prefix-scoped flush never touches another prefix.
 */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
