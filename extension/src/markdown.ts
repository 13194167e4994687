// Workspace text (names, conditions, paths from the C tree or the settings) inside the extension's own
// Markdown tooltips: as a code span or as escaped text, so it can never become a link, an image or HTML.
// The MarkdownStrings are untrusted anyway (no command links, no HTML); this keeps their text literal too.
import { inertMarkdown } from '../../language-server/src/notes/markdown';

/** `text` as an inline code span whose fence is longer than any run of backticks inside it. */
export function codeSpan(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // A space pads a span that starts or ends with a backtick (CommonMark strips one space each side).
  const pad = /^`|`$/.test(flat) ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** `text` as Markdown that renders as itself: no link, image, autolink or HTML (and no emphasis). */
export function plainText(text: string): string {
  return inertMarkdown(text).replace(/[*_`#|~!&]/g, (c) => `\\${c}`);
}
