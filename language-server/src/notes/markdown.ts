// Note text is untrusted (it comes from a file anyone can commit). Where it is shown as Markdown (hover,
// exported documents) it must not become a link, an image or HTML: no `command:` links, no <img onerror>,
// no <script>. Emphasis, lists and code stay as the author wrote them.

/** Markdown that renders the note's text without links, images, autolinks or raw HTML. */
export function inertMarkdown(text: string): string {
  // Escaping the backslash first keeps a user's own `\[` from turning back into a live bracket.
  // `[`/`]` can no longer open a link or image, `<`/`>` no longer open HTML or an autolink.
  return text.replace(/[\\[\]<>]/g, (c) => `\\${c}`);
}

/** One line of plain text for titles (code lens, inlay hint, tree description): no newlines, bounded length. */
export function noteSummary(text: string, max = 80): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
