/**
 * A check run of the fake GitHub as an HTML page laid out like GitHub's check run view (name,
 * conclusion, title, then the summary and text rendered from Markdown), for screenshots in the
 * docs. The Markdown renderer covers what the app writes: headings, paragraphs, lists, tables,
 * block quotes, fenced code, inline code, bold and links. Everything is HTML-escaped first.
 */
import type { CheckRunRecord } from "./state.js";

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** GitHub draws emoji as images; a headless Chromium may have no emoji font, so the app's status emoji become coloured glyphs. */
const EMOJI: Array<[RegExp, string, string]> = [
  [/✅/g, "✔", "#1a7f37"],
  [/❌/g, "✖", "#d1242f"],
  [/⚠️/g, "⚠", "#9a6700"],
  [/⏭️/g, "»", "#59636e"],
  [/⛔/g, "⊘", "#59636e"],
  [/▶️/g, "▶", "#59636e"],
  [/🔄/g, "↻", "#9a6700"],
  [/⏳/g, "◷", "#59636e"],
];

function glyphs(html: string): string {
  return EMOJI.reduce((text, [emoji, glyph, color]) => text.replace(emoji, `<span style="color:${color};font-weight:700">${glyph}</span>`), html);
}

function inline(text: string): string {
  return glyphs(escape(text))
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '<a href="$2">$1</a>');
}

const cells = (row: string) =>
  row
    .trim()
    .replace(/^\||\|$/g, "")
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, "|"));

/** Markdown as the app writes it, to HTML. */
export function markdownToHtml(markdown: string): string {
  const lines = markdown.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length;) {
    const line = lines[i]!;
    const fence = /^(`{3,})/.exec(line);
    if (fence) {
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i]!.startsWith(fence[1]!); i++) body.push(lines[i]!);
      i++;
      out.push(`<pre><code>${escape(body.join("\n"))}</code></pre>`);
    } else if (/^#{1,6} /.test(line)) {
      const level = line.indexOf(" ");
      out.push(`<h${level}>${inline(line.slice(level + 1))}</h${level}>`);
      i++;
    } else if (line.startsWith("|") && lines[i + 1]?.startsWith("| ---")) {
      const head = cells(line);
      const rows: string[][] = [];
      for (i += 2; i < lines.length && lines[i]!.startsWith("|"); i++) rows.push(cells(lines[i]!));
      out.push(
        `<table><thead><tr>${head.map((c) => `<th>${inline(c)}</th>`).join("")}</tr></thead><tbody>${rows
          .map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join("")}</tr>`)
          .join("")}</tbody></table>`,
      );
    } else if (line.startsWith(">")) {
      const quoted: string[] = [];
      for (; i < lines.length && lines[i]!.startsWith(">"); i++) quoted.push(lines[i]!.replace(/^> ?/, ""));
      out.push(`<blockquote>${markdownToHtml(quoted.join("\n"))}</blockquote>`);
    } else if (/^(- |\d+\. )/.test(line)) {
      const ordered = /^\d/.test(line);
      const items: string[] = [];
      for (; i < lines.length && /^(- |\d+\. )/.test(lines[i]!); i++) items.push(lines[i]!.replace(/^(- |\d+\. )/, ""));
      const tag = ordered ? "ol" : "ul";
      out.push(`<${tag}>${items.map((item) => `<li>${inline(item)}</li>`).join("")}</${tag}>`);
    } else if (line.trim() === "") {
      i++;
    } else {
      const paragraph: string[] = [];
      for (; i < lines.length && lines[i]!.trim() !== "" && !/^(#|\||>|```|- |\d+\. )/.test(lines[i]!); i++) paragraph.push(lines[i]!);
      out.push(`<p>${inline(paragraph.join(" "))}</p>`);
    }
  }
  return out.join("\n");
}

const BADGE: Record<string, { icon: string; color: string; word: string }> = {
  success: { icon: "✓", color: "#1a7f37", word: "succeeded" },
  failure: { icon: "✕", color: "#d1242f", word: "failed" },
  cancelled: { icon: "⊘", color: "#59636e", word: "was cancelled" },
  skipped: { icon: "⊘", color: "#59636e", word: "was skipped" },
  action_required: { icon: "!", color: "#9a6700", word: "needs action" },
  neutral: { icon: "–", color: "#59636e", word: "completed" },
};

export function renderCheckRunPage(run: CheckRunRecord, repoFullName: string): string {
  const badge = run.status === "completed" ? (BADGE[run.conclusion ?? "neutral"] ?? BADGE.neutral!) : { icon: "●", color: "#9a6700", word: run.status.replace("_", " ") };
  const actions = run.actions.map((a) => `<button>${escape(a.label)}</button>`).join("");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escape(run.name)}</title><style>
  body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; margin: 0; background: #fff; }
  header { padding: 16px 24px; border-bottom: 1px solid #d1d9e0; background: #f6f8fa; }
  .repo { color: #59636e; font-size: 13px; }
  h1 { font-size: 20px; font-weight: 600; margin: 4px 0 0; display: flex; align-items: center; gap: 8px; }
  .badge { color: #fff; border-radius: 50%; width: 22px; height: 22px; display: inline-flex; align-items: center; justify-content: center; font-size: 13px; }
  .state { color: #59636e; font-size: 13px; margin-top: 2px; }
  .buttons { float: right; }
  button { font: inherit; font-size: 12px; padding: 3px 12px; border: 1px solid #d1d9e0; border-radius: 6px; background: #f6f8fa; margin-left: 6px; }
  main { padding: 8px 24px 24px; max-width: 1012px; }
  h2 { font-size: 24px; font-weight: 600; border-bottom: 1px solid #d1d9e0; padding-bottom: 6px; }
  h3 { font-size: 16px; margin: 20px 0 8px; }
  table { border-collapse: collapse; margin: 8px 0 16px; }
  th, td { border: 1px solid #d1d9e0; padding: 6px 13px; text-align: left; }
  tr:nth-child(2n) td { background: #f6f8fa; }
  a { color: #0969da; text-decoration: none; }
  code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #eff1f3; padding: 2px 4px; border-radius: 4px; }
  pre { background: #f6f8fa; padding: 12px 16px; border-radius: 6px; overflow: auto; }
  pre code { background: none; padding: 0; line-height: 1.45; }
  blockquote { margin: 0 0 12px; padding: 0 12px; color: #59636e; border-left: 4px solid #d1d9e0; }
</style></head><body>
<header>
  <div class="buttons">${actions}${run.status === "completed" ? "<button>Re-run</button>" : ""}</div>
  <div class="repo">${escape(repoFullName)} · ${escape(run.head_sha.slice(0, 7))}</div>
  <h1><span class="badge" style="background:${badge.color}">${badge.icon}</span>${escape(run.name)}</h1>
  <div class="state">${escape(badge.word)}${run.details_url ? ` · <a href="${escape(run.details_url)}">View more details on GitLab</a>` : ""}</div>
</header>
<main>
  <h2>${escape(run.output.title ?? "")}</h2>
  ${markdownToHtml(run.output.summary ?? "")}
  ${markdownToHtml(run.output.text ?? "")}
</main>
</body></html>`;
}
